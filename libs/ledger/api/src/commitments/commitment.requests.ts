import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateBy, ValidateNested, type ValidationArguments } from 'class-validator';
import {
  AmountRequest,
  BusinessDate,
  MoneyRequest,
  Nested,
  OneOf,
  OptionalAmountRequest,
  REQUIRED,
  Text,
  WholeNumber,
  WriteRequest,
  YesNo,
} from '@erbm/shared/api';
import { LEGAL_ACT_KINDS, PAYMENT_KINDS } from '@erbm/ledger/domain';

export class DecisionRefRequest {
  @Text({ max: 100, description: 'Id of the meeting that took the decision' })
  meetingId!: string;

  @Text({ max: 100, description: 'Id of the decision within that meeting' })
  decisionId!: string;
}

export class ActRefRequest {
  @Text({ max: 100, description: 'Id of the act (arrêté, délibération, convention, notification, jury selection): see /acts' })
  actId!: string;
}

/**
 * `decision` or `act`, one of them: what programmes or grants the money. Both missing is said on `decision` (when one
 * is required), both given on `act`.
 */
function DecisionOrAct(field: 'decision' | 'act', required: boolean, description: string) {
  const check = (value: unknown, object: Record<string, unknown>): string | undefined => {
    if (value === undefined)
      return field === 'decision' && required && object.act === undefined ? `${REQUIRED} : decision (décision d'une réunion) ou act (acte)` : undefined;
    if (field === 'act' && object.decision !== undefined) return 'ne se donne pas avec decision : citez la décision ou l’acte, l’un des deux';
    return undefined;
  };
  const type = field === 'decision' ? DecisionRefRequest : ActRefRequest;
  return applyDecorators(
    ApiPropertyOptional({ type, description }),
    ValidateBy({
      name: 'isDecisionOrAct',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => check(value, args?.object as Record<string, unknown>) === undefined,
        defaultMessage: (args?: ValidationArguments) => check(args?.value, args?.object as Record<string, unknown>) ?? '',
      },
    }),
    ValidateNested({ message: 'doit être un objet' }),
    Type(() => type),
  );
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

  @DecisionOrAct('decision', true, "The meeting's decision that programmes the money (or give act)")
  decision?: DecisionRefRequest;

  @DecisionOrAct('act', true, 'The act that programmes the money, when it is not a meeting’s decision (or give decision)')
  act?: ActRefRequest;
}

export class CommitRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Nested(() => LegalActRequest)
  legalAct!: LegalActRequest;

  @DecisionOrAct('decision', false, 'A decision granting it: required to commit more than was programmed (or give act)')
  decision?: DecisionRefRequest;

  @DecisionOrAct('act', false, 'An act granting it: to commit more than was programmed (or give decision)')
  act?: ActRefRequest;
}

export class IncreaseRequest extends MoneyRequest {
  @BusinessDate()
  date!: string;

  @Reason()
  reason!: string;

  @Nested(() => LegalActRequest, { optional: true, description: 'The avenant or new act' })
  legalAct?: LegalActRequest;

  @DecisionOrAct('decision', false, 'A decision granting it: required to go above what was programmed (or give act)')
  decision?: DecisionRefRequest;

  @DecisionOrAct('act', false, 'An act granting it: to go above what was programmed (or give decision)')
  act?: ActRefRequest;
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
