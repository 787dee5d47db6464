import type { DomainPlugin } from '@erbm/shared/api';
import {
  HABITAT_DOMAIN,
  HABITAT_EVENT_LABELS,
  HABITAT_OPERATION_AMENDED,
  HABITAT_OPERATION_REGISTERED,
  habitatOperationLocation,
} from '@erbm/habitat/contracts';
import {
  DWELLINGS_TARGET,
  INDICATOR_DEFINITIONS,
  type IndicatorCode,
  decideOperation,
  foldOperation,
  type OperationEvent,
  operationStreamName,
} from '@erbm/habitat/domain';
import { HABITAT_REGISTER, HabitatRegisterProjection, readHabitatIndicators } from '@erbm/habitat/read-models';
import { HabitatApiModule } from './habitat-api.module';
import { HABITAT_FIELD_NAMES } from './habitat-field-names';
import { seedHabitatDemo } from './demo/demo-seed';
import { habitatWorkload } from './testing/workload';

/** The habitat domain as the registry, the ledger, the SGAR views and the audit trail see it. */
export const habitatDomain: DomainPlugin = {
  name: HABITAT_DOMAIN,
  label: 'Habitat',
  api: HabitatApiModule,
  projections: () => [new HabitatRegisterProjection()],
  operations: {
    streamName: operationStreamName,
    locator: { types: [HABITAT_OPERATION_REGISTERED, HABITAT_OPERATION_AMENDED], locate: habitatOperationLocation },
    financingOf: (events) => {
      const state = foldOperation(events as OperationEvent[]);
      return state.status === 'none'
        ? undefined
        : { eligibleCostCents: state.eligibleCostCents, commitmentIds: state.financingPlan.map((l) => l.commitmentId) };
    },
  },
  eventLabels: HABITAT_EVENT_LABELS,
  fieldNames: HABITAT_FIELD_NAMES,
  indicators: {
    definitions: (Object.keys(INDICATOR_DEFINITIONS) as IndicatorCode[]).map((code) => ({ code, ...INDICATOR_DEFINITIONS[code], target: DWELLINGS_TARGET })),
    projection: HABITAT_REGISTER,
    read: readHabitatIndicators,
  },
  samples: {
    operationRequest: (place) => ({
      name: place.name,
      cite: place.name,
      communeInsee: place.communeInsee,
      landlord: 'maisons_et_cites',
      dwellingsPlanned: 40,
      energyLabelBefore: 'F',
      energyLabelTarget: 'C',
      eligibleCostCents: 5_000_000_00,
      date: place.date,
    }),
    operationEvents: (place) =>
      decideOperation(
        {
          type: 'register',
          operationId: place.operationId,
          date: place.date,
          name: place.name,
          cite: place.name,
          communeInsee: place.communeInsee,
          arrondissement: place.arrondissement,
          landlord: 'maisons_et_cites',
          dwellingsPlanned: 40,
          energyLabelBefore: 'F',
          energyLabelTarget: 'C',
          eligibleCostCents: 5_000_000_00,
          // A sample is recorded on its own date.
          today: place.date,
        },
        foldOperation([]),
      ),
    workload: habitatWorkload,
  },
  async seedDemo(commands) {
    const seeded = await seedHabitatDemo(commands);
    return `${seeded.operations} operations, ${seeded.commitments} commitments, ${seeded.meetings} meetings`;
  },
};
