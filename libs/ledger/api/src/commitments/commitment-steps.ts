import { type MoneyRequest, ProblemException, centsOf } from '@erbm/shared/api';
import type { CommitmentCommand, DecisionRef, LegalAct, OperationEnvelope } from '@erbm/ledger/domain';
import type * as R from './commitment.requests';

/** Every step of a commitment's life after its announcement, with the request each one takes. */
export const COMMITMENT_STEPS = {
  programme: 'programme',
  commit: 'commit',
  increase: 'increase',
  reduce: 'reduce',
  'carry-over': 'carryOver',
  'change-funding-line': 'changeFundingLine',
  certify: 'certify',
  order: 'order',
  pay: 'pay',
  release: 'release',
  lapse: 'lapse',
  recover: 'recover',
  close: 'close',
  correct: 'correct',
} as const satisfies Record<string, Exclude<CommitmentCommand['type'], 'announce'>>;
export type CommitmentStep = keyof typeof COMMITMENT_STEPS;

export type StepRequest =
  | R.ProgrammeRequest
  | R.CommitRequest
  | R.IncreaseRequest
  | R.ReduceRequest
  | R.CarryOverRequest
  | R.ChangeFundingLineRequest
  | R.ReferencedMoneyRequest
  | R.PayRequest
  | R.ReleaseRequest
  | R.RecoverRequest
  | R.DatedReasonRequest
  | R.CorrectRequest;

/** What a step needs from outside the commitment's stream: decisions and the operation's envelope. */
export interface StepLookups {
  decision(ref: R.DecisionRefRequest): Promise<DecisionRef>;
  envelope(): Promise<OperationEnvelope | undefined>;
  checkFundingLine(fundingLine: string, date: string): void;
}

function legalAct(act: R.LegalActRequest | undefined, field = 'legalAct'): LegalAct | undefined {
  if (!act) return undefined;
  if (act.kind === 'ej' && !/^\d{10}$/.test(act.reference))
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'An EJ number is the 10-digit Chorus number', { field: `${field}.reference`, errors: [{ field: `${field}.reference`, reason: 'an EJ number has 10 digits' }] });
  return { kind: act.kind, reference: act.reference, date: act.date };
}

export async function toCommitmentCommand(step: CommitmentStep, body: StepRequest, lookups: StepLookups): Promise<CommitmentCommand> {
  // Each route's DTO guarantees the fields of its step; one view of all of them keeps the mapping flat.
  const b = body as R.CorrectRequest & R.PayRequest & R.ProgrammeRequest & R.CommitRequest & R.CarryOverRequest & R.ChangeFundingLineRequest;
  const decision = b.decision ? await lookups.decision(b.decision) : undefined;
  const amount = () => centsOf(body as MoneyRequest);
  switch (step) {
    case 'programme':
      return { type: 'programme', amountCents: amount(), date: b.date, decision: required(decision, 'decision') };
    case 'commit':
      return { type: 'commit', amountCents: amount(), date: b.date, legalAct: required(legalAct(b.legalAct), 'legalAct'), decision, envelope: await lookups.envelope() };
    case 'increase':
      return { type: 'increase', amountCents: amount(), date: b.date, reason: b.reason, legalAct: legalAct(b.legalAct), decision, envelope: await lookups.envelope() };
    case 'reduce':
      return { type: 'reduce', amountCents: amount(), date: b.date, reason: b.reason, legalAct: legalAct(b.legalAct) };
    case 'carry-over':
      return { type: 'carryOver', toFiscalYear: b.toFiscalYear, date: b.date, reason: b.reason };
    case 'change-funding-line':
      lookups.checkFundingLine(b.fundingLine, b.date);
      return { type: 'changeFundingLine', fundingLine: b.fundingLine, date: b.date, reason: b.reason };
    case 'certify':
      return { type: 'certify', amountCents: amount(), date: b.date, reference: b.reference };
    case 'order':
      return { type: 'order', amountCents: amount(), date: b.date, reference: b.reference };
    case 'pay':
      return { type: 'pay', amountCents: amount(), date: b.date, kind: b.kind, reference: b.reference, guarantee: b.guarantee };
    case 'release':
      return { type: 'release', amountCents: amount(), date: b.date, reason: b.reason };
    case 'lapse':
      return { type: 'lapse', date: b.date, reason: b.reason };
    case 'recover':
      return { type: 'recover', amountCents: amount(), date: b.date, reference: b.reference, reason: b.reason };
    case 'close':
      return { type: 'close', date: b.date, reason: b.reason };
    case 'correct':
      return { type: 'correct', revision: b.revision, date: b.date, reason: b.reason, amountCents: centsOf(b, false), factDate: b.factDate, reference: b.reference };
  }
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined)
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', `${field} is required`, { field, errors: [{ field, reason: 'is required' }] });
  return value;
}
