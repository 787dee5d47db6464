import type { DomainPlugin } from '@erbm/shared/api';
import {
  POLITIQUE_DE_LA_VILLE_DOMAIN,
  POLITIQUE_DE_LA_VILLE_EVENT_LABELS,
  politiqueDeLaVilleOperationLocator,
  politiqueDeLaVilleOperationStream,
} from '@erbm/politique-de-la-ville/contracts';
import { INDICATOR_DEFINITIONS, type OperationEvent, decideOperation, financingOf, foldOperation } from '@erbm/politique-de-la-ville/domain';
import {
  POLITIQUE_DE_LA_VILLE_REGISTER,
  PolitiqueDeLaVilleRegisterProjection,
  readPolitiqueDeLaVilleIndicators,
} from '@erbm/politique-de-la-ville/read-models';
import { PolitiqueDeLaVilleApiModule } from './politique-de-la-ville-api.module';

const SAMPLE_ELIGIBLE_COST_CENTS = 1_000_000_00;

/** This domain as the registry, the ledger, the SGAR views and the audit trail see it. */
export const politiqueDeLaVilleDomain: DomainPlugin = {
  name: POLITIQUE_DE_LA_VILLE_DOMAIN,
  label: 'Politique de la ville',
  api: PolitiqueDeLaVilleApiModule,
  projections: () => [new PolitiqueDeLaVilleRegisterProjection()],
  operations: {
    streamName: politiqueDeLaVilleOperationStream,
    locator: politiqueDeLaVilleOperationLocator,
    financingOf: (events) => financingOf(foldOperation(events as OperationEvent[])),
  },
  eventLabels: POLITIQUE_DE_LA_VILLE_EVENT_LABELS,
  // Its views use the shared names only (FIELD_NAMES); a field of its own is named here, with what it means.
  fieldNames: {},
  indicators: { definitions: INDICATOR_DEFINITIONS, projection: POLITIQUE_DE_LA_VILLE_REGISTER, read: readPolitiqueDeLaVilleIndicators },
  samples: {
    operationRequest: (place) => ({ name: place.name, communeInsee: place.communeInsee, eligibleCostCents: SAMPLE_ELIGIBLE_COST_CENTS, date: place.date }),
    operationEvents: (place) => decideOperation({ type: 'register', ...place, eligibleCostCents: SAMPLE_ELIGIBLE_COST_CENTS }, foldOperation([])),
  },
};
