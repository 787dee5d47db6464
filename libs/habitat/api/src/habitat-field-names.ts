import type { FieldNames } from '@erbm/shared/api';

/** The names habitat's own views give what only habitat has (see FIELD_NAMES for the shared ones). */
export const HABITAT_FIELD_NAMES: FieldNames = {
  cite: { meaning: 'the cité minière an operation renovates', label: 'cité' },
  landlord: { meaning: 'the social landlord of an operation (parties id)', label: 'bailleur' },
  landlordName: { meaning: "the social landlord's name", label: 'nom du bailleur' },
  dwellingsPlanned: { meaning: 'dwellings an operation rehabilitates', label: 'logements prévus' },
  dwellingsDelivered: { meaning: 'dwellings delivered so far', label: 'logements livrés' },
  dwellings: { meaning: 'dwellings one delivery counts', label: 'logements' },
  deliveries: { meaning: 'deliveries of dwellings, each dated', label: 'livraisons' },
  energyLabelBefore: { meaning: 'energy label before the works (A to G)', label: 'étiquette énergie avant' },
  energyLabelTarget: { meaning: 'energy label aimed at (A to G)', label: 'étiquette énergie visée' },
  phases: { meaning: 'the date each phase was reached', label: 'phases' },
  studies: { meaning: 'phase: studies started', label: 'études' },
  'works-started': { meaning: 'phase: works started (ordre de service)', label: 'travaux commencés' },
  delivered: { meaning: 'phase: every dwelling delivered', label: 'livrée' },
  'dwellings-financed': { meaning: 'indicator: dwellings financed', label: 'logements financés' },
  'dwellings-works-started': { meaning: 'indicator: dwellings whose works started', label: 'logements en travaux' },
  'dwellings-delivered': { meaning: 'indicator: dwellings delivered', label: 'logements livrés (indicateur)' },
};
