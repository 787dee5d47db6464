import type { Actor } from '@erbm/shared/event-store';
import { type Row, column, table } from '@erbm/shared/projections';
import { listOfAll } from '@erbm/shared/kernel';
import type { IndicatorCode, IndicatorValues, OperationState } from '@erbm/habitat/domain';

/** The indicators the register keeps, per operation and per arrondissement. */
export const INDICATORS = listOfAll<IndicatorCode>()(['dwellings-financed', 'dwellings-works-started', 'dwellings-delivered']);

/** The habitat operation register: one row per operation, with its contribution to each indicator. */
export const HABITAT_OPERATIONS = table({
  name: 'operations',
  key: ['id'],
  columns: {
    id: column.text('id'),
    name: column.text('name'),
    cite: column.text('cite'),
    communeInsee: column.text('commune_insee'),
    arrondissement: column.text('arrondissement'),
    landlord: column.text('landlord'),
    status: column.text('status'),
    dwellingsPlanned: column.int('dwellings_planned'),
    dwellingsDelivered: column.int('dwellings_delivered'),
    energyLabelBefore: column.text('energy_label_before'),
    energyLabelTarget: column.text('energy_label_target'),
    firstLegalActOn: column.date('first_legal_act_on', { nullable: true }),
    commitments: column.int('commitments'),
    indicators: column.jsonb<IndicatorValues>('indicators'),
    revision: column.int('revision'),
    state: column.jsonb<OperationState>('state'),
    // Null in the rows of operations registered before these columns were.
    registeredAt: column.timestamptz('registered_at', { nullable: true }),
    recordedBy: column.jsonb<Actor | null>('recorded_by', { nullable: true }),
  },
});
export type HabitatOperationRow = Row<typeof HABITAT_OPERATIONS>;

/** Which operation each habitat commitment finances: a legal act on it makes the operation's dwellings financed. */
export const HABITAT_COMMITMENT_OPERATIONS = table({
  name: 'commitment_operations',
  key: ['commitmentId'],
  columns: { commitmentId: column.text('commitment_id'), operationId: column.text('operation_id') },
});

/** The indicators per arrondissement: the sums of the operations' contributions. */
export const HABITAT_INDICATOR_TOTALS = table({
  name: 'indicator_totals',
  key: ['indicator', 'arrondissement'],
  columns: { indicator: column.text('indicator'), arrondissement: column.text('arrondissement'), value: column.bigint('value') },
});
