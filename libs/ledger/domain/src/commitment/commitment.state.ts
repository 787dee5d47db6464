import { assertNever } from '@erbm/shared/kernel';
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
  decisions: DecisionRef[];
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
    return {
      status: 'announced',
      ...rest,
      announcedOn: date,
      ledgers,
      decisions: [],
      legalActs: [],
      facts: [fact(0, event.type, { amountCents, date }, 'announced')],
      warnings: [],
      revision: 0,
    };
  }
  if (state.status === 'none') throw new Error(`${event.type} before the commitment was announced`);
  const revision = state.revision + 1;
  const next = { ...state, revision, facts: state.facts, ledgers: { ...state.ledgers } } as typeof state;
  const add = (f: Fact) => {
    next.facts = [...state.facts, f];
    if (f.ledger) next.ledgers[f.ledger] += (f.sign ?? 1) * (f.values.amountCents ?? 0);
  };
  const open = (s: OpenCommitment['status']): CommitmentState =>
    next.status === 'closed' || next.status === 'lapsed' ? next : { ...next, status: atLeast(next.status, s) };

  switch (event.type) {
    case 'ledger.CommitmentProgrammed': {
      const d = event.data;
      add(fact(revision, event.type, { amountCents: d.amountCents, date: d.date }, 'programmed'));
      next.decisions = [...state.decisions, d.decision];
      return open('programmed');
    }
    case 'ledger.CommitmentMade': {
      const d = event.data;
      add(fact(revision, event.type, { amountCents: d.amountCents, date: d.date, reference: d.legalAct.reference }, 'committed'));
      next.legalActs = [...state.legalActs, d.legalAct];
      if (d.decision) next.decisions = [...state.decisions, d.decision];
      return open('committed');
    }
    case 'ledger.CommitmentIncreased': {
      const d = event.data;
      add(fact(revision, event.type, { amountCents: d.amountCents, date: d.date, reference: d.legalAct?.reference }, 'committed'));
      if (d.legalAct) next.legalActs = [...state.legalActs, d.legalAct];
      if (d.decision) next.decisions = [...state.decisions, d.decision];
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
      next.fiscalYear = event.data.toFiscalYear;
      return next;
    case 'ledger.CommitmentFundingLineChanged':
      add(fact(revision, event.type, { date: event.data.date }));
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
      if (target.ledger) next.ledgers[target.ledger] += (target.sign ?? 1) * delta;
      next.facts[d.correctsRevision] = { ...target, values: d.after, correctedBy: [...target.correctedBy, revision] };
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

function fact(revision: number, type: CommitmentEvent['type'], values: FactValues, ledger?: Ledger): Fact {
  return { revision, type, values, ledger, sign: ledger ? 1 : undefined, correctedBy: [] };
}

function pick(d: { amountCents: number; date: string; reference: string }): FactValues {
  return { amountCents: d.amountCents, date: d.date, reference: d.reference };
}

export function foldCommitment(events: readonly CommitmentEvent[]): CommitmentState {
  return events.reduce(evolveCommitment, initialCommitmentState);
}
