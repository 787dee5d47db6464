import { BusinessDate, Pattern, Text, WholeNumber, WriteRequest } from '@erbm/shared/api';
import { MAX_AMOUNT_CENTS } from '@erbm/shared/kernel';

const Insee = (optional = false) =>
  Pattern(/^\d[\dAB]\d{3}$/, 'doit être un code INSEE de commune à 5 caractères', {
    optional,
    example: '59178',
    description: 'INSEE code of the commune (see /referentials/communes); the arrondissement follows from it',
  });

const Cents = () =>
  WholeNumber({ optional: true, min: 0, max: MAX_AMOUNT_CENTS, example: 250_000_000, description: 'Cost eligible to public aid, in euro cents' });

export class RegisterOperationRequest extends WriteRequest {
  @Text({ max: 200, example: 'Opération de démonstration' })
  name!: string;

  @Insee()
  communeInsee!: string;

  @Cents()
  eligibleCostCents?: number;

  @BusinessDate({ description: 'Date the operation was registered in the programme' })
  date!: string;
}

export class AmendOperationRequest extends WriteRequest {
  @Text({ optional: true, max: 200 })
  name?: string;

  @Insee(true)
  communeInsee?: string;

  @Cents()
  eligibleCostCents?: number;

  @Text({ max: 1000, description: 'Why the operation is amended' })
  reason!: string;

  @BusinessDate()
  date!: string;
}
