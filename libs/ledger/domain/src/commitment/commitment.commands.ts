import type { Today } from '@erbm/shared/kernel';
import type { Act, ActRef } from '../governance/act';
import type { Decision } from '../governance/meeting';
import type { DecisionRef, LegalAct, PaymentKind } from './commitment.events';

/**
 * A decision a command cites to commit above what was programmed, with what its meeting decided: the decider checks
 * that it was approved and grants this commitment's financer and funding line. Its events keep the reference alone.
 */
export type CitedDecision = DecisionRef & Pick<Decision, 'outcome' | 'amounts'>;

/** An act a command cites to commit above what was programmed, with its amounts; its events keep the reference alone. */
export type CitedAct = ActRef & Pick<Act, 'amounts'>;

/**
 * Commands carry everything the decider needs: dates, today's date (Europe/Paris), ids and facts read elsewhere (the
 * decision's date and amounts, the operation's envelope). A decider never reads a clock or a database.
 */
export type CommitmentCommand = CommitmentAction & Today & FundingEnvelopeCheck;

/** Read by a commit and an increase: the envelope of the funding line they take money from. */
export interface FundingEnvelopeCheck {
  fundingEnvelope?: FundingEnvelopeUse;
}

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
  | { type: 'programme'; amountCents: number; date: string; decision?: DecisionRef; act?: ActRef }
  | { type: 'commit'; amountCents: number; date: string; legalAct: LegalAct; decision?: CitedDecision; act?: CitedAct; envelope?: OperationEnvelope }
  | {
      type: 'increase';
      amountCents: number;
      date: string;
      reason?: string;
      legalAct?: LegalAct;
      decision?: CitedDecision;
      act?: CitedAct;
      envelope?: OperationEnvelope;
    }
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

/**
 * The envelope of the commitment's funding line that covers the year the money is committed in, and what the ledger
 * register counted committed on that line over the envelope's years when the command was made (it lags the log by the
 * projector's delay: docs/adr/0020-envelopes.md). Committing beyond it is a warning.
 */
export interface FundingEnvelopeUse {
  envelopeId: string;
  label: string;
  fundingLine: string;
  fromYear: number;
  toYear: number;
  amountCents: number;
  /** Committed net of releases on the line over the envelope's years, this commitment's earlier commitments included. */
  committedCents: number;
}
