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
import { POLITIQUE_DE_LA_VILLE_FIELD_NAMES } from './politique-de-la-ville-field-names';
import { AdultesRelaisImport, PostesFonjepImport } from './imports/p147-posts.import';
import { seedPolitiqueDeLaVilleDemo } from './demo/demo-seed';

const SAMPLE_ELIGIBLE_COST_CENTS = 45_000_00;

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
  // A field of its own views the shared list (FIELD_NAMES) does not have is named here, with what it means.
  fieldNames: POLITIQUE_DE_LA_VILLE_FIELD_NAMES,
  indicators: { definitions: INDICATOR_DEFINITIONS, projection: POLITIQUE_DE_LA_VILLE_REGISTER, read: readPolitiqueDeLaVilleIndicators },
  samples: {
    operationRequest: (place) => ({
      kind: 'action',
      dispositif: 'actions-contrats-de-ville',
      name: place.name,
      communeInsee: place.communeInsee,
      eligibleCostCents: SAMPLE_ELIGIBLE_COST_CENTS,
      date: place.date,
    }),
    operationEvents: (place) =>
      decideOperation(
        {
          type: 'register',
          kind: 'action',
          dispositif: 'actions-contrats-de-ville',
          operationId: place.operationId,
          name: place.name,
          communeInsee: place.communeInsee,
          arrondissement: place.arrondissement,
          departement: place.communeInsee.startsWith('62') ? '62' : '59',
          eligibleCostCents: SAMPLE_ELIGIBLE_COST_CENTS,
          date: place.date,
        },
        foldOperation([]),
      ),
  },
  imports: [AdultesRelaisImport, PostesFonjepImport],
  async seedDemo(commands) {
    const seeded = await seedPolitiqueDeLaVilleDemo(commands);
    return `${seeded.operations} operations, ${seeded.commitments} commitments`;
  },
};
