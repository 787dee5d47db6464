import { type ReadModelCheck, sameRowsCheck } from '@erbm/shared/projections';
import type { Ledger } from '@erbm/ledger/domain';
import { COLUMN, COMMITMENTS, COMMITMENT_BUCKETS, COMMITMENT_VERSIONS, CONSOLIDATED_TOTALS, TOTAL_AXES, TOTAL_LEDGERS } from './tables';

/**
 * What holds between the ledger register's tables whatever the log says, made from the tables' declarations. A row
 * changed in one table without the others breaks one of them; a row changed with every row that adds it up breaks
 * none, which the replay of the log finds (`replayReadModels`).
 */

const AXES = TOTAL_AXES.map((a) => COLUMN[a]);
const LEDGERS = TOTAL_LEDGERS.map((l) => COLUMN[l]);
/** The ledgers the decider keeps (the reste à payer is computed from them). */
const STATE_LEDGERS = TOTAL_LEDGERS.filter((l): l is Ledger => l !== 'resteAPayer');
const stateLedger = (l: Ledger) => `(state->'ledgers'->>'${l}')::bigint`;

/** A consolidated total is the sum of the commitments' buckets behind it: what `/sgar/totals/commitments` adds up. */
const totals = sameRowsCheck({
  table: CONSOLIDATED_TOTALS,
  expected: (s) => `SELECT ${AXES.join(', ')}, count(*) AS commitments, ${LEDGERS.map((l) => `sum(${l}) AS ${l}`).join(', ')}
                      FROM ${s}.${COMMITMENT_BUCKETS.name} GROUP BY ${AXES.join(', ')}`,
  columns: ['commitments', ...LEDGERS],
  rule: 'a consolidated total equals the sum of the commitment rows behind it',
  missing: 'commitment rows with no consolidated total',
  unexpected: 'a consolidated total with no commitment row behind it',
});

/** A commitment row's axes, status and ledgers are the decider state's it was made from, kept in the row. */
const rowsFromState = sameRowsCheck({
  table: COMMITMENTS,
  expected: (s) => `SELECT id, state->>'domain' AS domain, state->>'operationId' AS operation_id, state->>'financer' AS financer,
                           state->>'fundingLine' AS funding_line, (state->>'fiscalYear')::int AS fiscal_year, state->>'status' AS status,
                           coalesce(state->>'beneficiaryId', ol.beneficiary, '') AS beneficiary,
                           ${STATE_LEDGERS.map((l) => `${stateLedger(l)} AS ${COLUMN[l]}`).join(', ')},
                           ${stateLedger('committed')} - ${stateLedger('released')} - ${stateLedger('paid')} AS ${COLUMN.resteAPayer},
                           jsonb_array_length(state->'warnings') AS warning_count, (state->>'revision')::int AS revision,
                           coalesce(state->'decisions'->0->>'body', m.body, state->'acts'->0->>'issuer', '') AS governance_body
                      FROM ${s}.${COMMITMENTS.name} LEFT JOIN ${s}.meeting_bodies m ON m.meeting_id = state->'decisions'->0->>'meetingId'
                           LEFT JOIN ${s}.operation_locations ol USING (operation_id)`,
  columns: [
    'domain',
    'operation_id',
    'financer',
    'funding_line',
    'fiscal_year',
    'status',
    'beneficiary',
    ...LEDGERS,
    'warning_count',
    'revision',
    'governance_body',
  ],
  rule: "a commitment row's columns are those of the decider state stored with it",
});

/** A commitment row is where its operation is: the location the domain published (and what it derives), '' before any. */
const PLACE = ['arrondissement', 'departement', 'epci', 'contrat_de_ville', 'erbm', 'dispositif'];
const rowsAtTheirOperation = sameRowsCheck({
  table: COMMITMENTS,
  expected: (s) => `SELECT c.id, ${PLACE.map((p) => `coalesce(l.${p}, '') AS ${p}`).join(', ')}, coalesce(l.commune_insee, '') AS commune,
                           l.name AS operation_name
                      FROM ${s}.${COMMITMENTS.name} c LEFT JOIN ${s}.operation_locations l USING (operation_id)`,
  columns: [...PLACE, 'commune', 'operation_name'],
  rule: "a commitment row's place and operation name are its operation's location",
});

const BUCKET_KEY = ['id', COLUMN.fundingLine, COLUMN.fiscalYear];
/** The axes a bucket shares with its commitment: all but its funding line and year. */
const SHARED_AXES = AXES.filter((a) => !BUCKET_KEY.includes(a));
/** Each bucket row is a bucket of the decider state stored with its commitment, on its commitment's other axes. */
const bucketsFromState = sameRowsCheck({
  table: COMMITMENT_BUCKETS,
  expected: (s) => `SELECT c.id, b->>'fundingLine' AS ${COLUMN.fundingLine}, (b->>'fiscalYear')::int AS ${COLUMN.fiscalYear},
                           ${SHARED_AXES.map((a) => `c.${a}`).join(', ')},
                           ${STATE_LEDGERS.map((l) => `(b->'ledgers'->>'${l}')::bigint AS ${COLUMN[l]}`).join(', ')},
                           (b->'ledgers'->>'committed')::bigint - (b->'ledgers'->>'released')::bigint - (b->'ledgers'->>'paid')::bigint AS ${COLUMN.resteAPayer}
                      FROM ${s}.${COMMITMENTS.name} c CROSS JOIN LATERAL jsonb_array_elements(c.state->'buckets') AS b`,
  columns: [...SHARED_AXES, ...LEDGERS],
  rule: "a commitment's buckets are those of the decider state stored with it, on its axes",
  missing: 'a bucket of a commitment with no row',
  unexpected: 'a bucket row of no bucket of its commitment',
});

const VERSIONED = [...SHARED_AXES, 'status', ...LEDGERS];
/** Each bucket has one open version, equal to its row: the views "as known at" a past time end on today's. */
const openVersions = sameRowsCheck({
  table: COMMITMENT_VERSIONS,
  actual: (s) => `SELECT DISTINCT ON (${BUCKET_KEY.join(', ')}) ${BUCKET_KEY.join(', ')}, ${VERSIONED.join(', ')},
                         count(*) OVER (PARTITION BY ${BUCKET_KEY.join(', ')}) AS open_versions
                    FROM ${s}.${COMMITMENT_VERSIONS.name} WHERE to_txid IS NULL ORDER BY ${BUCKET_KEY.join(', ')}, from_txid DESC, from_gp DESC`,
  expected: (
    s,
  ) => `SELECT ${BUCKET_KEY.map((k) => `b.${k}`).join(', ')}, ${VERSIONED.map((v) => (v === 'status' ? 'c.status' : `b.${v}`)).join(', ')}, 1 AS open_versions
                      FROM ${s}.${COMMITMENT_BUCKETS.name} b JOIN ${s}.${COMMITMENTS.name} c USING (id)`,
  columns: ['open_versions', ...VERSIONED],
  key: BUCKET_KEY,
  rule: "a bucket's open version is its row, and it has one",
  missing: 'a bucket row with no open version',
  unexpected: 'an open version of no bucket row',
});

/** A version of a bucket is valid until the next one starts, and the last stays open. */
const versionsChained = sameRowsCheck({
  table: COMMITMENT_VERSIONS,
  expected: (s) => `SELECT ${BUCKET_KEY.join(', ')}, from_txid, from_gp, lead(from_txid) OVER w AS to_txid, lead(from_gp) OVER w AS to_gp,
                           lead(from_recorded_at) OVER w AS to_recorded_at
                      FROM ${s}.${COMMITMENT_VERSIONS.name} WINDOW w AS (PARTITION BY ${BUCKET_KEY.join(', ')} ORDER BY from_txid, from_gp)`,
  columns: ['to_txid', 'to_gp', 'to_recorded_at'],
  rule: 'a version of a bucket row ends where the next one starts',
});

export const LEDGER_REGISTER_CHECKS: readonly ReadModelCheck[] = [totals, rowsFromState, bucketsFromState, rowsAtTheirOperation, openVersions, versionsChained];
