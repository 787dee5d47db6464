import type { StoredEvent } from '@erbm/shared/event-store';
import {
  ACT_KIND_LABELS,
  type ActRef,
  type CommitmentEvent,
  type CommitmentState,
  LEDGERS,
  LEDGER_EVENT_LABELS,
  type Ledger,
  evolveCommitment,
  initialCommitmentState,
  resteAPayer,
} from '@erbm/ledger/domain';

/** Labels of event types, in French: the ledger's and governance's, plus those of every domain served. */
export type EventLabels = Readonly<Record<string, string>>;
export const labelOf = (type: string, labels: EventLabels = LEDGER_EVENT_LABELS): string => labels[type] ?? type;

/** A programming or a grant by an act that is not a meeting says which act, where the type's label says a decision. */
function labelOfEvent(e: StoredEvent, labels: EventLabels): string {
  const act = (e.data as { act?: ActRef } | undefined)?.act;
  if (e.type === 'ledger.CommitmentProgrammed' && act) return `Engagement programmé par un acte : ${ACT_KIND_LABELS[act.kind] ?? act.kind} n° ${act.reference}`;
  const label = labelOf(e.type, labels);
  return act ? `${label}, accordé par ${ACT_KIND_LABELS[act.kind] ?? act.kind} n° ${act.reference}` : label;
}

/** What each fact of a commitment did to its ledgers: the difference of the fold before and after it. */
export interface LedgerEffect {
  ledger: Ledger;
  amountCents: number;
}

export interface HistoryEntry {
  revision: number;
  position: string;
  type: string;
  label: string;
  occurredAt: string;
  recordedAt: string;
  recordedBy: string;
  role: string;
  organisation: string;
  onBehalfOf: string | null;
  reason: string | null;
  sourceDocument: string | null;
  correlationId: string | null;
  hash: string | null;
  data: unknown;
  effects: LedgerEffect[];
  /** For a correction: the revision it corrects. */
  corrects: number | null;
  /** Revisions of the corrections of this fact. */
  correctedBy: number[];
}

export function historyOf(events: StoredEvent[], labels: EventLabels = LEDGER_EVENT_LABELS): HistoryEntry[] {
  const entries = events.map((e) => ({
    revision: e.revision,
    position: e.position,
    type: e.type,
    label: labelOfEvent(e, labels),
    occurredAt: e.envelope.occurredAt,
    recordedAt: e.recordedAt,
    recordedBy: e.envelope.actor.userId,
    role: e.envelope.actor.role,
    organisation: e.envelope.actor.organisation,
    onBehalfOf: e.envelope.onBehalfOf ?? null,
    reason: e.envelope.reason ?? (e.data as { reason?: string })?.reason ?? null,
    sourceDocument: e.envelope.sourceDocument ? `${e.envelope.sourceDocument.kind} ${e.envelope.sourceDocument.reference}` : null,
    correlationId: e.envelope.correlationId ?? null,
    hash: e.hash ?? null,
    data: e.data,
    effects: [] as LedgerEffect[],
    corrects: e.type === 'ledger.CommitmentFactCorrected' ? (e.data as { correctsRevision: number }).correctsRevision : null,
    correctedBy: [] as number[],
  }));
  for (const entry of entries) if (entry.corrects !== null) entries.find((x) => x.revision === entry.corrects)?.correctedBy.push(entry.revision);
  return entries;
}

/** The commitment folded fact by fact, each history entry given its effect on the ledgers. */
export function commitmentHistory(events: StoredEvent[]): { entries: HistoryEntry[]; state: CommitmentState } {
  const entries = historyOf(events);
  let state: CommitmentState = initialCommitmentState;
  for (const [i, e] of events.entries()) {
    const before = state.status === 'none' ? undefined : state.ledgers;
    state = evolveCommitment(state, { type: e.type, data: e.data } as CommitmentEvent);
    if (state.status === 'none') continue;
    entries[i].effects = LEDGERS.map((l) => ({ ledger: l, amountCents: state.status === 'none' ? 0 : state.ledgers[l] - (before?.[l] ?? 0) })).filter(
      (x) => x.amountCents !== 0,
    );
  }
  return { entries, state };
}

/**
 * A commitment as of a business date, as known now: the facts dated up to then, a correction counted with the fact
 * it corrects, a warning with the fact that raised it.
 */
export function commitmentAsOf(events: StoredEvent[], asOf: string) {
  const { entries, state } = commitmentHistory(events);
  const dated = new Set(
    entries.filter((e) => e.corrects === null && e.type !== 'ledger.CommitmentWarningRaised' && e.occurredAt.slice(0, 10) <= asOf).map((e) => e.revision),
  );
  const included = entries.filter(
    (e) =>
      dated.has(e.revision) ||
      (e.corrects !== null && dated.has(e.corrects)) ||
      (e.type === 'ledger.CommitmentWarningRaised' && dated.has((e.data as { raisedByRevision: number }).raisedByRevision)),
  );
  const ledgers = Object.fromEntries(
    LEDGERS.map((l) => [l, included.reduce((s, e) => s + e.effects.filter((x) => x.ledger === l).reduce((a, x) => a + x.amountCents, 0), 0)]),
  ) as Record<Ledger, number>;
  const ended = included.find((e) => e.type === 'ledger.CommitmentClosed' || e.type === 'ledger.CommitmentLapsed');
  const status = ended
    ? ended.type === 'ledger.CommitmentClosed'
      ? 'closed'
      : 'lapsed'
    : ledgers.committed > 0
      ? 'committed'
      : ledgers.programmed > 0
        ? 'programmed'
        : included.length
          ? 'announced'
          : 'none';
  return {
    asOf,
    status,
    ledgers,
    resteAPayer: resteAPayer(ledgers),
    facts: included,
    knownNow: state.status === 'none' ? null : { status: state.status, ledgers: state.ledgers },
  };
}
