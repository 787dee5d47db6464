import { BusinessDate, OneOf, Pattern, QpvCodes, Text, WholeNumber, WriteRequest } from '@erbm/shared/api';
import { MAX_AMOUNT_CENTS } from '@erbm/shared/kernel';
import { ENERGY_LABELS, PHASES } from '@erbm/habitat/domain';

const Dwellings = (optional = false) => WholeNumber({ optional, min: 1, max: 5000, example: 120 });
const Insee = (optional = false) =>
  Pattern(/^\d[\dAB]\d{3}$/, 'doit être un code INSEE de commune à 5 caractères', {
    optional,
    example: '62498',
    description: 'INSEE code of the commune (see /referentials/communes)',
  });
const Cents = () => WholeNumber({ optional: true, min: 0, max: MAX_AMOUNT_CENTS, description: 'Cost eligible to public aid, in euro cents' });

export class RegisterOperationRequest extends WriteRequest {
  @Text({ max: 200, example: 'Réhabilitation de la cité 12/14' })
  name!: string;

  @Text({ max: 200, example: 'Cité 12/14' })
  cite!: string;

  @Insee()
  communeInsee!: string;

  @Text({ optional: true, max: 3, description: 'INSEE code of the arrondissement; derived from the commune when absent', example: '627' })
  arrondissement?: string;

  @Text({ max: 100, description: 'Party id of the social landlord', example: 'maisons_et_cites' })
  landlord!: string;

  @Dwellings()
  dwellingsPlanned!: number;

  @OneOf(ENERGY_LABELS)
  energyLabelBefore!: (typeof ENERGY_LABELS)[number];

  @OneOf(ENERGY_LABELS)
  energyLabelTarget!: (typeof ENERGY_LABELS)[number];

  @Cents()
  eligibleCostCents?: number;

  @QpvCodes({ optional: true, description: 'Codes of the quartiers prioritaires (QPV) the operation serves' })
  qpv?: string[];

  @Text({ optional: true, max: 100, description: 'Id of the beneficiary (tiers) who receives the aid (see /beneficiaries)' })
  beneficiaryId?: string;

  @BusinessDate({ description: 'Date the operation was registered in the programme' })
  date!: string;
}

export class AmendOperationRequest extends WriteRequest {
  @Text({ optional: true, max: 200 })
  name?: string;

  @Text({ optional: true, max: 200 })
  cite?: string;

  @Insee(true)
  communeInsee?: string;

  @Text({ optional: true, max: 100 })
  landlord?: string;

  @Dwellings(true)
  dwellingsPlanned?: number;

  @OneOf(ENERGY_LABELS, { optional: true })
  energyLabelBefore?: (typeof ENERGY_LABELS)[number];

  @OneOf(ENERGY_LABELS, { optional: true })
  energyLabelTarget?: (typeof ENERGY_LABELS)[number];

  @Cents()
  eligibleCostCents?: number;

  @QpvCodes({ optional: true, description: 'Codes of the quartiers prioritaires (QPV) the operation serves: the whole new list' })
  qpv?: string[];

  @Text({ optional: true, max: 100, description: 'Id of the beneficiary (tiers) who receives the aid (see /beneficiaries)' })
  beneficiaryId?: string;

  @Text({ max: 1000, description: 'Why the operation is amended' })
  reason!: string;

  @BusinessDate()
  date!: string;
}

export class RecordPhaseRequest extends WriteRequest {
  @OneOf(PHASES, { description: 'studies, works-started (ordre de service) or delivered (all dwellings delivered)' })
  phase!: (typeof PHASES)[number];

  @BusinessDate()
  date!: string;
}

export class RecordDeliveryRequest extends WriteRequest {
  @Dwellings()
  dwellings!: number;

  @BusinessDate()
  date!: string;
}
