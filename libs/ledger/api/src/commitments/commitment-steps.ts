import { centsOf } from '@erbm/shared/api';
import type { CitedAct, CitedDecision, CommitmentCommand, FundingEnvelopeUse, LegalAct, OperationEnvelope } from '@erbm/ledger/domain';
import type { WithoutToday } from '@erbm/shared/kernel';
import type * as R from './commitment.requests';

/** What a step needs from outside the commitment's stream, looked up on the state it is decided on. */
export interface StepLookups {
  decision(ref: R.DecisionRefRequest): Promise<CitedDecision>;
  act(ref: R.ActRefRequest): Promise<CitedAct>;
  envelope(): Promise<OperationEnvelope | undefined>;
  /** The envelope of the commitment's funding line covering the year of a date, with what the register counts committed on it. */
  fundingEnvelope(date: string): Promise<FundingEnvelopeUse | undefined>;
  checkFundingLine(fundingLine: string, date: string): void;
  /** Refuses a beneficiary id no beneficiary has (`unknown-beneficiary`). */
  requireBeneficiary(beneficiaryId: string): Promise<void>;
}

/** A step's command as its request gives it: the handler adds today's date from the process's clock. */
export type StepCommand = WithoutToday<Exclude<CommitmentCommand, { type: 'announce' | 'programme' }>>;

/**
 * A step's command, built from its own typed request; called again if the command is decided again after a race.
 * Programming has its own path (ProgrammeCommitment): it is counted in the decision's meeting first.
 */
export type StepBuilder = (lookups: StepLookups) => Promise<StepCommand> | StepCommand;

function legalAct(act: R.LegalActRequest): LegalAct;
function legalAct(act: R.LegalActRequest | undefined): LegalAct | undefined;
function legalAct(act: R.LegalActRequest | undefined): LegalAct | undefined {
  return act && { kind: act.kind, reference: act.reference, date: act.date };
}

const decisionOf = (ref: R.DecisionRefRequest | undefined, l: StepLookups) => (ref ? l.decision(ref) : Promise.resolve(undefined));
const actOf = (ref: R.ActRefRequest | undefined, l: StepLookups) => (ref ? l.act(ref) : Promise.resolve(undefined));

/** One builder per step of a commitment's life after its announcement, each from the request its route takes. */
export const steps = {
  commit:
    (b: R.CommitRequest): StepBuilder =>
    async (l) => ({
      type: 'commit',
      amountCents: centsOf(b),
      date: b.date,
      legalAct: legalAct(b.legalAct),
      decision: await decisionOf(b.decision, l),
      act: await actOf(b.act, l),
      envelope: await l.envelope(),
      fundingEnvelope: await l.fundingEnvelope(b.date),
    }),
  increase:
    (b: R.IncreaseRequest): StepBuilder =>
    async (l) => ({
      type: 'increase',
      amountCents: centsOf(b),
      date: b.date,
      reason: b.reason,
      legalAct: legalAct(b.legalAct),
      decision: await decisionOf(b.decision, l),
      act: await actOf(b.act, l),
      envelope: await l.envelope(),
      fundingEnvelope: await l.fundingEnvelope(b.date),
    }),
  reduce:
    (b: R.ReduceRequest): StepBuilder =>
    () => ({ type: 'reduce', amountCents: centsOf(b), date: b.date, reason: b.reason, legalAct: legalAct(b.legalAct) }),
  carryOver:
    (b: R.CarryOverRequest): StepBuilder =>
    () => ({ type: 'carryOver', toFiscalYear: b.toFiscalYear, date: b.date, reason: b.reason }),
  changeFundingLine:
    (b: R.ChangeFundingLineRequest): StepBuilder =>
    (l) => {
      l.checkFundingLine(b.fundingLine, b.date);
      return { type: 'changeFundingLine', fundingLine: b.fundingLine, date: b.date, reason: b.reason };
    },
  certify:
    (b: R.ReferencedMoneyRequest): StepBuilder =>
    () => ({ type: 'certify', amountCents: centsOf(b), date: b.date, reference: b.reference }),
  order:
    (b: R.ReferencedMoneyRequest): StepBuilder =>
    () => ({ type: 'order', amountCents: centsOf(b), date: b.date, reference: b.reference }),
  pay:
    (b: R.PayRequest): StepBuilder =>
    () => ({ type: 'pay', amountCents: centsOf(b), date: b.date, kind: b.kind, reference: b.reference, guarantee: b.guarantee }),
  release:
    (b: R.ReleaseRequest): StepBuilder =>
    () => ({ type: 'release', amountCents: centsOf(b), date: b.date, reason: b.reason }),
  lapse:
    (b: R.LapseRequest): StepBuilder =>
    () => ({ type: 'lapse', date: b.date, reason: b.reason }),
  recover:
    (b: R.RecoverRequest): StepBuilder =>
    () => ({ type: 'recover', amountCents: centsOf(b), date: b.date, reference: b.reference, reason: b.reason }),
  close:
    (b: R.CloseRequest): StepBuilder =>
    () => ({ type: 'close', date: b.date, reason: b.reason }),
  assignBeneficiary:
    (b: R.AssignBeneficiaryRequest): StepBuilder =>
    async (l) => {
      await l.requireBeneficiary(b.beneficiaryId);
      return { type: 'assignBeneficiary', beneficiaryId: b.beneficiaryId, date: b.date, reason: b.reason };
    },
  correct:
    (b: R.CorrectRequest): StepBuilder =>
    () => ({
      type: 'correct',
      revision: b.revision,
      date: b.date,
      reason: b.reason,
      amountCents: centsOf(b, false),
      factDate: b.factDate,
      reference: b.reference,
    }),
} satisfies Record<StepCommand['type'], (body: never) => StepBuilder>;
