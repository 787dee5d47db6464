import { type ReadModelCheck, sameRowsCheck } from '@erbm/shared/projections';
import { HABITAT_INDICATOR_TOTALS, HABITAT_OPERATIONS, INDICATORS } from './tables';

/** An indicator per arrondissement is the sum of the operations' contributions there (a sum that nets to zero is no row). */
const indicatorTotals = sameRowsCheck({
  table: HABITAT_INDICATOR_TOTALS,
  expected: (s) => `SELECT i.indicator, o.arrondissement, sum(coalesce((o.indicators->>i.indicator)::bigint, 0)) AS value
                      FROM ${s}.${HABITAT_OPERATIONS.name} o CROSS JOIN unnest('{${INDICATORS.join(',')}}'::text[]) AS i(indicator)
                     GROUP BY i.indicator, o.arrondissement HAVING sum(coalesce((o.indicators->>i.indicator)::bigint, 0)) <> 0`,
  columns: ['value'],
  rule: 'an indicator total equals the sum of the operations’ contributions in its arrondissement',
  missing: 'operations that count in an indicator with no indicator total',
  unexpected: 'an indicator total with no operation behind it',
});

/** An operation row's columns are those of the decider state stored with it. */
const rowsFromState = sameRowsCheck({
  table: HABITAT_OPERATIONS,
  expected: (s) => `SELECT id, state->>'name' AS name, state->>'arrondissement' AS arrondissement, state->>'status' AS status,
                           (state->>'dwellingsPlanned')::int AS dwellings_planned, (state->>'dwellingsDelivered')::int AS dwellings_delivered,
                           jsonb_array_length(state->'financingPlan') AS commitments, (state->>'revision')::int AS revision
                      FROM ${s}.${HABITAT_OPERATIONS.name}`,
  columns: ['name', 'arrondissement', 'status', 'dwellings_planned', 'dwellings_delivered', 'commitments', 'revision'],
  rule: "an operation row's columns are those of the decider state stored with it",
});

export const HABITAT_REGISTER_CHECKS: readonly ReadModelCheck[] = [indicatorTotals, rowsFromState];
