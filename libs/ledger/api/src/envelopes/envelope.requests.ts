import { BusinessDate, MoneyRequest, Nested, OneOf, Text, WholeNumber } from '@erbm/shared/api';
import { ENVELOPE_ACT_KINDS, ENVELOPE_FIRST_YEAR, ENVELOPE_KINDS, ENVELOPE_LAST_YEAR } from '@erbm/ledger/domain';

export class EnvelopeActRequest {
  @OneOf(ENVELOPE_ACT_KINDS, {
    description: 'loi de finances, notification de crédits, arrêté, convention, avenant, délibération, circulaire, contrat (CPER…)',
  })
  kind!: (typeof ENVELOPE_ACT_KINDS)[number];

  @Text({ max: 200, example: 'Notification des crédits BOP 0135-R32 2023' })
  reference!: string;

  @BusinessDate({ description: 'Date of the act' })
  date!: string;

  @Text({ optional: true, max: 500, description: 'Where the act can be read (file name, URL)' })
  document?: string;
}

const Year = (description: string, optional = false) =>
  WholeNumber({ optional, min: ENVELOPE_FIRST_YEAR, max: ENVELOPE_LAST_YEAR, example: 2023, description });

export class OpenEnvelopeRequest extends MoneyRequest {
  @Text({ max: 100, description: 'Funding line id (see /referentials/fundingLines)', example: 'etat-p135' })
  fundingLine!: string;

  @OneOf(ENVELOPE_KINDS, { description: 'allocation: a BOP allocation for one fiscal year; fund: a multi-year fund' })
  kind!: (typeof ENVELOPE_KINDS)[number];

  @Year('First fiscal year the envelope covers')
  fromYear!: number;

  @Year('Last fiscal year it covers (default: fromYear)', true)
  toYear?: number;

  @Text({ max: 200, example: 'Fonds de réhabilitation des logements miniers (P135)' })
  label!: string;

  @Nested(() => EnvelopeActRequest, { description: 'The act that allots the money' })
  act!: EnvelopeActRequest;
}

export class AmendEnvelopeRequest extends MoneyRequest {
  @OneOf(['increase', 'decrease'], { description: 'Whether the act raises or lowers the envelope by the amount' })
  direction!: 'increase' | 'decrease';

  @Text({ max: 1000, description: 'Why the envelope changes' })
  reason!: string;

  @Nested(() => EnvelopeActRequest, { description: 'The act that amends it' })
  act!: EnvelopeActRequest;
}
