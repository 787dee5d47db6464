import { ValidateBy, type ValidationArguments } from 'class-validator';
import { AmountRequest, BusinessDate, MoneyRequest, Nested, OneOf, OptionalAmountRequest, Text, WholeNumber, WriteRequest, YesNo } from '@erbm/shared/api';
import { LEGAL_ACT_KINDS, PAYMENT_KINDS } from '@erbm/ledger/domain';

export class DecisionRefRequest {
  @Text({ max: 100, description: 'Id of the meeting that took the decision' })
  meetingId!: string;

  @Text({ max: 100, description: 'Id of the decision within that meeting' })
  decisionId!: string;
}

/** An EJ is named by its 10-digit Chorus number; other acts by whatever reference they bear. */
function EjNumberWhenEj() {
  return ValidateBy({
    name: 'isEjNumber',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => (args?.object as { kind?: unknown }).kind !== 'ej' || /^\d{10}$/.test(String(value)),
      defaultMessage: () => 'un numéro d’EJ a 10 chiffres (numéro Chorus)',
    },
  });
}

export class LegalActRequest {
  @OneOf(LEGAL_ACT_KINDS, { description: 'arrêté, convention, avenant, délibération, EJ (10-digit Chorus number) or notification' })
  kind!: (typeof LEGAL_ACT_KINDS)[number];

  @Text({ max: 100, example: '2103456789' })
  @EjNumberWhenEj()
  reference!: string;

  @BusinessDate({ description: 'Date the act was signed' })
  date!: string;
}

const Reason = () => Text({ max: 1000, description: 'Why the fact is recorded' });
const FiscalYear = (options: { optional?: boolean; description: string }) => WholeNumber({ ...options, min: 2000, max: 2100, example: 2024 });

export class AnnounceCommitmentRequest extends AmountRequest {
  @Text({ max: 100, description: 'Party id of the financer (see /referentials/parties)', example: 'etat' })
  financer!: string;

  @Text({ max: 100, description: 'Funding line id (see /referentials/fundingLines)', example: 'etat-p135' })
  fundingLine!: string;

  @FiscalYear({ optional: true, description: 'Fiscal year; defaults to the year of the date' })
  fiscalYear?: number;

  @BusinessDate()
  date!: string;

  @Text({ optional: true, max: 100, description: 'Id of the beneficiary who receives the money (see /beneficiaries)' })
  beneficiaryId?: string;
}

/** Sets or changes who receives the commitment's money. */
export class AssignBeneficiaryRequest extends WriteRequest {
  @Text({ max: 100, description: 'Id of the beneficiary (see /beneficiaries)' })
  beneficiaryId!: string;

  @BusinessDate()
  date!: string;

  @Reason()
  reason!: string;
}

export class ProgrammeRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Nested(() => DecisionRefRequest, { description: 'The decision that programmes the money' })
  decision!: DecisionRefRequest;
}

export class CommitRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Nested(() => LegalActRequest)
  legalAct!: LegalActRequest;

  @Nested(() => DecisionRefRequest, { optional: true, description: 'Required to commit more than was programmed' })
  decision?: DecisionRefRequest;
}

export class IncreaseRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Reason()
  reason!: string;

  @Nested(() => LegalActRequest, { optional: true, description: 'The avenant or new act' })
  legalAct?: LegalActRequest;

  @Nested(() => DecisionRefRequest, { optional: true, description: 'Required to go above what was programmed' })
  decision?: DecisionRefRequest;
}

export class ReduceRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Reason()
  reason!: string;

  @Nested(() => LegalActRequest, { optional: true })
  legalAct?: LegalActRequest;
}

export class CarryOverRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @FiscalYear({ description: 'The next fiscal year' })
  toFiscalYear!: number;

  @Reason()
  reason!: string;
}

export class ChangeFundingLineRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @Text({ max: 100, example: 'etat-p112-fnadt' })
  fundingLine!: string;

  @Reason()
  reason!: string;
}

export class ReferencedMoneyRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Text({ max: 100, description: 'Service fait, DP or mandat number', example: 'DP-2023-000123' })
  reference!: string;
}

export class PayRequest extends ReferencedMoneyRequest {
  @OneOf(PAYMENT_KINDS, { description: 'advance (avance), interim (acompte) or balance (solde)' })
  kind!: (typeof PAYMENT_KINDS)[number];

  @YesNo({ optional: true, description: 'A bank guarantee backs the advance (ceiling 60 % instead of 30 %)' })
  guarantee?: boolean;
}

export class ReleaseRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Reason()
  reason!: string;
}

export class RecoverRequest extends ReferencedMoneyRequest {
  @Reason()
  reason!: string;
}

export class LapseRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @Reason()
  reason!: string;
}

export class CloseRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @Text({ optional: true, max: 1000, description: 'Why the commitment is closed' })
  reason?: string;
}

export class CorrectRequest extends OptionalAmountRequest {
  @BusinessDate({ description: 'Date the correction is made' })
  date!: string;

  @WholeNumber({ min: 0, max: Number.MAX_SAFE_INTEGER, description: 'Revision of the fact corrected (see the facts of the commitment)' })
  revision!: number;

  @BusinessDate({ optional: true, description: 'The right date of the corrected fact' })
  factDate?: string;

  @Text({ optional: true, max: 100, description: 'The right reference of the corrected fact' })
  reference?: string;

  @Reason()
  reason!: string;
}
