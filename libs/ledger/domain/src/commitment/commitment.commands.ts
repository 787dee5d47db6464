import type { Today } from '@erbm/shared/kernel';
import type { Decision } from '../governance/meeting';
import type { DecisionRef, LegalAct, PaymentKind } from './commitment.events';

/**
 * A decision a command cites to commit above what was programmed, with what its meeting decided: the decider checks
 * that it was approved and grants this commitment's financer and funding line. Its events keep the reference alone.
 */
export type CitedDecision = DecisionRef & Pick<Decision, 'outcome' | 'amounts'>;

/**
 * Commands carry everything the decider needs: dates, today's date (Europe/Paris), ids and facts read elsewhere (the
 * decision's date and amounts, the operation's envelope). A decider never reads a clock or a database.
 */
export type CommitmentCommand = CommitmentAction & Today;

export type CommitmentAction =
  | {
      type: 'announce';
      commitmentId: string;
      operationId: string;
      domain: string;
      financer: string;
      fundingLine: string;
      fiscalYear: number;
      amountCents: number;
      date: string;
      beneficiaryId?: string;
    }
  | { type: 'assignBeneficiary'; beneficiaryId: string; date: string; reason?: string }
  | { type: 'programme'; amountCents: number; date: string; decision: DecisionRef }
  | { type: 'commit'; amountCents: number; date: string; legalAct: LegalAct; decision?: CitedDecision; envelope?: OperationEnvelope }
  | { type: 'increase'; amountCents: number; date: string; reason?: string; legalAct?: LegalAct; decision?: CitedDecision; envelope?: OperationEnvelope }
  | { type: 'reduce'; amountCents: number; date: string; reason?: string; legalAct?: LegalAct }
  | { type: 'carryOver'; toFiscalYear: number; date: string; reason?: string }
  | { type: 'changeFundingLine'; fundingLine: string; date: string; reason?: string }
  | { type: 'certify'; amountCents: number; date: string; reference: string }
  | { type: 'order'; amountCents: number; date: string; reference: string }
  | { type: 'pay'; amountCents: number; date: string; kind: PaymentKind; reference: string; guarantee?: boolean }
  | { type: 'release'; amountCents: number; date: string; reason?: string }
  | { type: 'lapse'; date: string; reason?: string }
  | { type: 'recover'; amountCents: number; date: string; reference: string; reason?: string }
  | { type: 'close'; date: string; reason?: string }
  | { type: 'correct'; revision: number; date: string; reason?: string; amountCents?: number; factDate?: string; reference?: string };

export type CommitmentCommandType = CommitmentCommand['type'];

/**
 * The co-financing plan of the operation, as read when the command was made: total public aid may not exceed the
 * eligible cost (décret 2018-514). Real files break this, so it is a warning.
 */
export interface OperationEnvelope {
  eligibleCostCents: number;
  /** Net committed amount of the operation's other commitments. */
  otherCommitmentsCents: number;
}
