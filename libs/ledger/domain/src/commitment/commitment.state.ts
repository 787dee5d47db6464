import { assertNever } from '@erbm/shared/kernel';
import type { ActRef } from '../governance/act';
import type {
  CommitmentAnnouncedData,
  CommitmentEvent,
  DecisionRef,
  FactValues,
  Ledger,
  Ledgers,
  LegalAct,
  PaymentKind,
  WarningCode,
} from './commitment.events';

/** One recorded fact, by revision, with what a correction may change in it. */
export interface Fact {
  revision: number;
  type: CommitmentEvent['type'];
  /** The ledger it moves and in which direction (a reduction takes from `committed`). */
  ledger?: Ledger;
  sign?: 1 | -1;
  values: FactValues;
  paymentKind?: PaymentKind;
  correctedBy: number[];
  /** The bucket it counts in (see `LedgerBucket`): set on every fact that moves a ledger. */
  fundingLine?: string;
  fiscalYear?: number;
}

/**
 * The ledgers of a commitment on one funding line in one year: where each fact counts (ADR 0016). Money that moved
 * (committed, certified, ordered, paid, released, recovered) counts in the calendar year of its date; announced and
 * programmed in the commitment's fiscal year; each on the funding line the commitment had when the fact was recorded.
 * A carry-over or a change of funding line moves only what is still open. The buckets add up to `ledgers`.
 */
export interface LedgerBucket {
  fundingLine: string;
  /** The year where the facts counted here happened (the fiscal year: the calendar year). */
  fiscalYear: number;
  ledgers: Ledgers;
}

export interface CommitmentWarning {
  code: WarningCode;
  message: string;
  raisedByRevision: number;
  amountCents?: number;
  limitCents?: number;
}

export interface CommitmentFacts extends Omit<CommitmentAnnouncedData, 'amountCents' | 'date'> {
  announcedOn: string;
  ledgers: Ledgers;
  /** The ledgers by funding line and year, in the order the buckets were first used. */
  buckets: LedgerBucket[];
  decisions: DecisionRef[];
  /** The acts that are not meetings' decisions which programmed or granted money (none on old commitments). */
  acts: ActRef[];
  legalActs: LegalAct[];
  facts: Fact[];
  warnings: CommitmentWarning[];
  /** Revision of the last event applied. */
  revision: number;
}

export type CommitmentState =
  | { status: 'none' }
  | (CommitmentFacts & { status: 'announced' | 'programmed' | 'committed' })
  | (CommitmentFacts & { status: 'closed' | 'lapsed'; endedOn: string });

export type OpenCommitment = Extract<CommitmentState, { status: 'announced' | 'programmed' | 'committed' }>;

export const initialCommitmentState: CommitmentState = { status: 'none' };

export const emptyLedgers = (): Ledgers => ({
  announced: 0,
  programmed: 0,
  committed: 0,
  certified: 0,
  ordered: 0,
  paid: 0,
  released: 0,
  recovered: 0,
});

/** Committed net of releases: what may still be certified, ordered and paid in total. */
export const netCommitted = (l: Ledgers): number => l.committed - l.released;
/** Reste à payer: committed, less released, less paid. */
export const resteAPayer = (l: Ledgers): number => l.committed - l.released - l.paid;

const STAGE = { announced: 0, programmed: 1, committed: 2 } as const;
const atLeast = (current: OpenCommitment['status'], reached: OpenCommitment['status']) => (STAGE[reached] > STAGE[current] ? reached : current);

export function evolveCommitment(state: CommitmentState, event: CommitmentEvent): CommitmentState {
  if (event.type === 'ledger.CommitmentAnnounced') {
    const { amountCents, date, ...rest } = event.data;
    const ledgers = emptyLedgers();
    ledgers.announced = amountCents;
    const announced = { ...fact(0, event.type, { amountCents, date }, 'announced'), fundingLine: rest.fundingLine, fiscalYear: rest.fiscalYear };
    return {
      status: 'announced',
      ...rest,
      announcedOn: date,
      ledgers,
      buckets: [{ fundingLine: rest.fundingLine, fiscalYear: rest.fiscalYear, ledgers: { ...ledgers } }],
      decisions: [],
      acts: [],
      legalActs: [],
      facts: [announced],
      warnings: [],
      revision: 0,
    };
  }
  if (state.status === 'none') throw new Error(`${event.type} before the commitment was announced`);
  const revision = state.revision + 1;
  const next = { ...state, revision, facts: state.facts, ledgers: { ...state.ledgers }, buckets: [...(state.buckets ?? [])] } as typeof state;
  const add = (f: Fact) => {
    if (f.ledger) {
      f.fundingLine = state.fundingLine;
      f.fiscalYear = bucketYear(f.ledger, f.values.date, state.fiscalYear);
    }
    next.facts = [...state.facts, f];
    if (f.ledger) {
      const amount = (f.sign ?? 1) * (f.values.amountCents ?? 0);
      next.ledgers[f.ledger] += amount;
      moveBucket(next.buckets, f.fundingLine as string, f.fiscalYear as number, f.ledger, amount);
    }
  };
  const open = (s: OpenCommitment['status']): CommitmentState =>
    next.status === 'closed' || next.status === 'lapsed' ? next : { ...next, status: atLeast(next.status, s) };

  switch (event.type) {
    case 'ledger.CommitmentProgrammed': {
      const d = event.data;
      add(fact(revision, event.type, { amountCents: d.amountCents, date: d.date }, 'programmed'));
      if (d.decision) next.decisions = [...state.decisions, d.decision];
      if (d.act) next.acts = [...(state.acts ?? []), d.act];
      return open('programmed');
    }
    case 'ledger.CommitmentMade': {
      const d = event.data;
      add(fact(revision, event.type, { amountCents: d.amountCents, date: d.date, reference: d.legalAct.reference }, 'committed'));
      next.legalActs = [...state.legalActs, d.legalAct];
      if (d.decision) next.decisions = [...state.decisions, d.decision];
      if (d.act) next.acts = [...(state.acts ?? []), d.act];
      return open('committed');
    }
    case 'ledger.CommitmentIncreased': {
      const d = event.data;
      add(fact(revision, event.type, { amountCents: d.amountCents, date: d.date, reference: d.legalAct?.reference }, 'committed'));
      if (d.legalAct) next.legalActs = [...state.legalActs, d.legalAct];
      if (d.decision) next.decisions = [...state.decisions, d.decision];
      if (d.act) next.acts = [...(state.acts ?? []), d.act];
      return next;
    }
    case 'ledger.CommitmentReduced': {
      const d = event.data;
      add({ ...fact(revision, event.type, { amountCents: d.amountCents, date: d.date, reference: d.legalAct?.reference }, 'committed'), sign: -1 });
      if (d.legalAct) next.legalActs = [...state.legalActs, d.legalAct];
      return next;
    }
    case 'ledger.CommitmentCarriedOver':
      add(fact(revision, event.type, { date: event.data.date }));
      moveOpen(next.buckets, next.ledgers, (b) =>
        b.fiscalYear === event.data.fromFiscalYear ? { fundingLine: b.fundingLine, fiscalYear: event.data.toFiscalYear } : undefined,
      );
      next.fiscalYear = event.data.toFiscalYear;
      return next;
    case 'ledger.CommitmentFundingLineChanged':
      add(fact(revision, event.type, { date: event.data.date }));
      moveOpen(next.buckets, next.ledgers, (b) => (b.fundingLine === event.data.from ? { fundingLine: event.data.to, fiscalYear: b.fiscalYear } : undefined));
      next.fundingLine = event.data.to;
      return next;
    case 'ledger.CommitmentBeneficiaryAssigned':
      add(fact(revision, event.type, { date: event.data.date }));
      next.beneficiaryId = event.data.beneficiaryId;
      return next;
    case 'ledger.ServiceCertified':
      add(fact(revision, event.type, pick(event.data), 'certified'));
      return next;
    case 'ledger.PaymentOrdered':
      add(fact(revision, event.type, pick(event.data), 'ordered'));
      return next;
    case 'ledger.PaymentMade':
      add({ ...fact(revision, event.type, pick(event.data), 'paid'), paymentKind: event.data.kind });
      return next;
    case 'ledger.CommitmentReleased':
      add(fact(revision, event.type, { amountCents: event.data.amountCents, date: event.data.date }, 'released'));
      return next;
    case 'ledger.AmountRecovered':
      add(fact(revision, event.type, pick(event.data), 'recovered'));
      return next;
    case 'ledger.CommitmentLapsed':
      add(fact(revision, event.type, { amountCents: event.data.releasedCents, date: event.data.date }, 'released'));
      return { ...next, status: 'lapsed', endedOn: event.data.date };
    case 'ledger.CommitmentClosed':
      add(fact(revision, event.type, { date: event.data.date }));
      return { ...next, status: 'closed', endedOn: event.data.date };
    case 'ledger.CommitmentFactCorrected': {
      const d = event.data;
      add(fact(revision, event.type, { date: d.date }));
      const target = next.facts[d.correctsRevision];
      const delta = (d.after.amountCents ?? 0) - (d.before.amountCents ?? 0);
      let moved: Pick<Fact, 'fiscalYear'> = {};
      if (target.ledger) {
        const sign = target.sign ?? 1;
        next.ledgers[target.ledger] += sign * delta;
        // A correction counts where the fact it corrects counts; a date moved to another year moves the fact there.
        const line = target.fundingLine ?? state.fundingLine;
        const from = target.fiscalYear ?? bucketYear(target.ledger, d.before.date, state.fiscalYear);
        const to = MOVED_IN_ITS_YEAR.has(target.ledger) ? calendarYear(d.after.date, from) : from;
        moveBucket(next.buckets, line, from, target.ledger, -sign * (d.before.amountCents ?? 0));
        moveBucket(next.buckets, line, to, target.ledger, sign * (d.after.amountCents ?? 0));
        moved = { fiscalYear: to };
      }
      next.facts[d.correctsRevision] = { ...target, ...moved, values: d.after, correctedBy: [...target.correctedBy, revision] };
      return next;
    }
    case 'ledger.CommitmentWarningRaised':
      add(fact(revision, event.type, { date: state.facts[event.data.raisedByRevision]?.values.date ?? state.announcedOn }));
      next.warnings = [...state.warnings, event.data];
      return next;
    default:
      return assertNever(event);
  }
}

/** The ledgers whose facts count in the calendar year of their date: money that moved. */
const MOVED_IN_ITS_YEAR: ReadonlySet<Ledger> = new Set<Ledger>(['committed', 'certified', 'ordered', 'paid', 'released', 'recovered']);

/** The calendar year of a date; `otherwise` for a fact without one (an event altered behind the store's back still folds). */
const calendarYear = (date: string | undefined, otherwise: number): number =>
  typeof date === 'string' && /^\d{4}/.test(date) ? Number(date.slice(0, 4)) : otherwise;

/** The year a fact of a ledger counts in: its date's for money that moved, the commitment's fiscal year for a promise. */
export const bucketYear = (ledger: Ledger, date: string, fiscalYear: number): number =>
  MOVED_IN_ITS_YEAR.has(ledger) ? calendarYear(date, fiscalYear) : fiscalYear;

/** Adds an amount to one ledger of a bucket, made when first used (a new object: states are never changed in place). */
function moveBucket(buckets: LedgerBucket[], fundingLine: string, year: number, ledger: Ledger, amount: number): void {
  if (amount === 0) return;
  const i = buckets.findIndex((b) => b.fundingLine === fundingLine && b.fiscalYear === year);
  if (i < 0) {
    const ledgers = emptyLedgers();
    ledgers[ledger] = amount;
    buckets.push({ fundingLine, fiscalYear: year, ledgers });
  } else buckets[i] = { ...buckets[i], ledgers: { ...buckets[i].ledgers, [ledger]: buckets[i].ledgers[ledger] + amount } };
}

/**
 * What is still open: announced not yet programmed, programmed not yet committed, and the reste à payer (committed −
 * released − paid), each when positive.
 */
export function openLedgers(l: Ledgers): Pick<Ledgers, 'announced' | 'programmed' | 'committed'> {
  return {
    announced: Math.max(0, l.announced - l.programmed),
    programmed: Math.max(0, l.programmed - l.committed),
    committed: Math.max(0, resteAPayer(l)),
  };
}

/**
 * Moves what is open out of the buckets that `to` names a destination for (a carry-over: those of the year left; a
 * change of line: those of the line left). The reste à payer moves as each of those buckets holds it: what was
 * committed there and is neither paid nor released there (a payment already counted in the year it moves to is not
 * moved twice). The announced and programmed amounts still open in the commitment move, taken from those buckets
 * within what each holds open: a bucket whose commitments moved out does not show their programming as open again,
 * and a fact dated in another year than the fiscal year stays in its year.
 */
function moveOpen(buckets: LedgerBucket[], ledgers: Ledgers, to: (b: LedgerBucket) => Pick<LedgerBucket, 'fundingLine' | 'fiscalYear'> | undefined): void {
  const open = openLedgers(ledgers);
  const sources = buckets.flatMap((b) => {
    const target = to(b);
    return target ? [{ from: b, target, held: openLedgers(b.ledgers) }] : [];
  });
  for (const ledger of ['announced', 'programmed', 'committed'] as const) {
    let remaining = ledger === 'committed' ? Number.POSITIVE_INFINITY : open[ledger];
    for (const { from, target, held } of sources) {
      const moved = Math.min(remaining, held[ledger]);
      if (moved <= 0) continue;
      remaining -= moved;
      moveBucket(buckets, from.fundingLine, from.fiscalYear, ledger, -moved);
      moveBucket(buckets, target.fundingLine, target.fiscalYear, ledger, moved);
    }
  }
}

function fact(revision: number, type: CommitmentEvent['type'], values: FactValues, ledger?: Ledger): Fact {
  return { revision, type, values, ledger, sign: ledger ? 1 : undefined, correctedBy: [] };
}

function pick(d: { amountCents: number; date: string; reference: string }): FactValues {
  return { amountCents: d.amountCents, date: d.date, reference: d.reference };
}

export function foldCommitment(events: readonly CommitmentEvent[]): CommitmentState {
  return events.reduce(evolveCommitment, initialCommitmentState);
}
