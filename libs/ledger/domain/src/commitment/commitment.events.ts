import { listOfAll } from '@erbm/shared/kernel';
import type { ActRef } from '../governance/act';

/** The facts of a commitment's life. Types are stable strings; a changed shape gets a new schema version. */

export const LEDGERS = ['announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered'] as const;
export type Ledger = (typeof LEDGERS)[number];
export type Ledgers = Record<Ledger, number>;

export const LEGAL_ACT_KINDS = ['arrete', 'convention', 'avenant', 'deliberation', 'ej', 'notification'] as const;
export type LegalActKind = (typeof LEGAL_ACT_KINDS)[number];
/** The act that binds the financer: arrêté, convention (and its avenants), délibération, or the State's EJ number. */
export interface LegalAct {
  kind: LegalActKind;
  reference: string;
  date: string;
}

/** The decision of a meeting of a governance body that programmed or granted the money. */
export interface DecisionRef {
  meetingId: string;
  decisionId: string;
  /** Date of the meeting that took it. */
  date: string;
  /** The meeting's governance body (on references recorded since acts that are not meetings came). */
  body?: string;
}

export const PAYMENT_KINDS = ['advance', 'interim', 'balance'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

export const WARNING_CODES = [
  'advance-above-limit',
  'interim-above-limit',
  'payment-before-decision',
  'envelope-over-committed',
  'payment-exceeds-certified',
  'payment-exceeds-ordered',
  'funding-envelope-over-committed',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

interface Dated {
  /** Business date (yyyy-mm-dd): when it happened in the world. */
  date: string;
}

export interface CommitmentAnnouncedData extends Dated {
  commitmentId: string;
  operationId: string;
  domain: string;
  /** Party id of the financer (the State, the Région, a landlord…). */
  financer: string;
  fundingLine: string;
  fiscalYear: number;
  amountCents: number;
  /** Who receives the money (a beneficiary's id); absent on commitments announced before beneficiaries were known. */
  beneficiaryId?: string;
}

export type CommitmentEventMap = {
  'ledger.CommitmentAnnounced': CommitmentAnnouncedData;
  /** Programmed by a meeting's decision or by an act that is not a meeting: exactly one (old events: a decision). */
  'ledger.CommitmentProgrammed': Dated & { amountCents: number; decision?: DecisionRef; act?: ActRef };
  'ledger.CommitmentMade': Dated & { amountCents: number; legalAct: LegalAct; decision?: DecisionRef; act?: ActRef };
  'ledger.CommitmentIncreased': Dated & { amountCents: number; reason: string; legalAct?: LegalAct; decision?: DecisionRef; act?: ActRef };
  'ledger.CommitmentReduced': Dated & { amountCents: number; reason: string; legalAct?: LegalAct };
  'ledger.CommitmentCarriedOver': Dated & { fromFiscalYear: number; toFiscalYear: number; reason: string };
  'ledger.CommitmentFundingLineChanged': Dated & { from: string; to: string; reason: string };
  /** Sets or changes who receives the money. */
  'ledger.CommitmentBeneficiaryAssigned': Dated & { beneficiaryId: string; reason: string };
  'ledger.ServiceCertified': Dated & { amountCents: number; reference: string };
  'ledger.PaymentOrdered': Dated & { amountCents: number; reference: string };
  'ledger.PaymentMade': Dated & { amountCents: number; kind: PaymentKind; reference: string };
  'ledger.CommitmentReleased': Dated & { amountCents: number; reason: string };
  'ledger.CommitmentLapsed': Dated & { releasedCents: number; reason: string };
  'ledger.AmountRecovered': Dated & { amountCents: number; reference: string; reason: string };
  'ledger.CommitmentClosed': Dated & { reason?: string };
  'ledger.CommitmentFactCorrected': Dated & {
    correctsRevision: number;
    correctsType: string;
    reason: string;
    before: FactValues;
    after: FactValues;
  };
  'ledger.CommitmentWarningRaised': {
    code: WarningCode;
    message: string;
    /** Revision of the fact that raised it. */
    raisedByRevision: number;
    amountCents?: number;
    limitCents?: number;
  };
};

export type CommitmentEventType = keyof CommitmentEventMap;
export type CommitmentEvent = { [K in CommitmentEventType]: { type: K; data: CommitmentEventMap[K] } }[CommitmentEventType];

/** Every type of fact of a commitment, for what must handle them all (the ledger register). */
export const COMMITMENT_EVENT_TYPES = listOfAll<CommitmentEventType>()([
  'ledger.CommitmentAnnounced',
  'ledger.CommitmentProgrammed',
  'ledger.CommitmentMade',
  'ledger.CommitmentIncreased',
  'ledger.CommitmentReduced',
  'ledger.CommitmentCarriedOver',
  'ledger.CommitmentFundingLineChanged',
  'ledger.CommitmentBeneficiaryAssigned',
  'ledger.ServiceCertified',
  'ledger.PaymentOrdered',
  'ledger.PaymentMade',
  'ledger.CommitmentReleased',
  'ledger.CommitmentLapsed',
  'ledger.AmountRecovered',
  'ledger.CommitmentClosed',
  'ledger.CommitmentFactCorrected',
  'ledger.CommitmentWarningRaised',
]);

/** What a correction may change in an earlier fact. */
export interface FactValues {
  amountCents?: number;
  date: string;
  reference?: string;
}

export const COMMITMENT_EVENT_SCHEMA_VERSION = 1;

export const commitmentStreamName = (commitmentId: string): string => `commitment-${commitmentId}`;
