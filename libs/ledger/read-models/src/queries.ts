import type { DataSource } from 'typeorm';
import { readRows, selectList } from '@erbm/shared/projections';
import { type RegisterScope, scopeClauses } from './register-scope';
import {
  COLUMN,
  COMMITMENTS,
  COMMITMENT_BUCKETS,
  type CommitmentRow,
  OPERATION_LOCATIONS,
  TOTAL_AXES,
  TOTAL_LEDGERS,
  type TotalAxis,
  type TotalLedger,
} from './tables';

export type TotalFilters = Partial<Record<TotalAxis, string | number>>;
/** Money along every ledger, and how many commitments it adds up. */
export type Amounts = Record<TotalLedger, number> & { commitmentCount: number };
export type TotalRow = Partial<Record<TotalAxis, string | number>> & Amounts;

const schemaOf = (ds: DataSource) => `"${(ds.options as { schema: string }).schema}"`;
const SUMS = ['commitments', ...TOTAL_LEDGERS.map((l) => COLUMN[l])]
  .map((c, i) => `sum(${c})::text AS "${i === 0 ? 'commitmentCount' : TOTAL_LEDGERS[i - 1]}"`)
  .join(', ');

function where(filters: TotalFilters, params: unknown[], scope?: RegisterScope, prefix = ''): string {
  const clauses = TOTAL_AXES.filter((a) => filters[a] !== undefined).map((a) => {
    params.push(filters[a]);
    return `${prefix}${COLUMN[a]} = $${params.length}`;
  });
  clauses.push(...scopeClauses(scope, params, prefix));
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

function amounts(row: Record<string, unknown>): Amounts {
  return Object.fromEntries(['commitmentCount', ...TOTAL_LEDGERS].map((l) => [l, Number(row[l] ?? 0)])) as Amounts;
}

/** Totals along the chosen axes, filtered by any of them, and the grand total of the rows returned. */
export async function consolidatedTotals(
  ds: DataSource,
  groupBy: TotalAxis[],
  filters: TotalFilters,
  scope?: RegisterScope,
): Promise<{ rows: TotalRow[]; total: Amounts }> {
  const params: unknown[] = [];
  const cols = groupBy.map((a) => `${COLUMN[a]} AS "${a}"`);
  const sql = `SELECT ${[...cols, SUMS].join(', ')} FROM ${schemaOf(ds)}.consolidated_totals ${where(filters, params, scope)}
    ${groupBy.length ? `GROUP BY ${groupBy.map((a) => COLUMN[a]).join(', ')} ORDER BY ${groupBy.map((a) => COLUMN[a]).join(', ')}` : ''}`;
  const raw: Record<string, unknown>[] = await ds.query(sql, params);
  const rows = raw
    .filter((r) => groupBy.length > 0 || r.commitmentCount !== null)
    .map((r) => ({ ...Object.fromEntries(groupBy.map((a) => [a, a === 'fiscalYear' ? Number(r[a]) : r[a]])), ...amounts(r) }) as TotalRow);
  const total = amounts(
    Object.fromEntries(['commitmentCount', ...TOTAL_LEDGERS].map((l) => [l, rows.reduce((s, r) => s + (r[l as keyof Amounts] as number), 0)])),
  );
  return { rows, total };
}

/** What a view shows of a commitment of the register. */
const SUMMARY = [
  'id',
  'domain',
  'operationId',
  'operationName',
  'financer',
  'fundingLine',
  'fiscalYear',
  ...TOTAL_AXES.filter((a) => a !== 'financer' && a !== 'domain' && a !== 'fundingLine' && a !== 'fiscalYear'),
  'status',
  'warningCount',
  'revision',
  ...TOTAL_LEDGERS,
] as const;
export type CommitmentSummary = Pick<CommitmentRow, (typeof SUMMARY)[number]>;
const DETAIL = [...SUMMARY, 'warnings', 'decisions', 'legalActs'] as const;

/** A drill-down row: a commitment's bucket (its ledgers on one funding line in one year), with the commitment's other columns. */
const BEHIND = SUMMARY.map((p) => `${p in COMMITMENT_BUCKETS.columns ? 'b' : 'c'}.${COLUMN[p]} AS "${p}"`).join(', ');

/**
 * The commitments behind a total: the same filters, one row per commitment and funding line and year where its facts
 * count (ADR 0016), with their sum (which equals the total). A row's `fundingLine`, `fiscalYear` and ledgers are its
 * bucket's; the commitment's own current line and fiscal year are in its register row.
 */
export async function commitmentsBehind(
  ds: DataSource,
  filters: TotalFilters,
  page: { limit: number; offset: number },
  scope?: RegisterScope,
): Promise<{ rows: CommitmentSummary[]; total: Amounts }> {
  const params: unknown[] = [];
  const w = where(filters, params, scope, 'b.');
  const from = `${schemaOf(ds)}.${COMMITMENT_BUCKETS.name} b JOIN ${schemaOf(ds)}.commitments c USING (id)`;
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT ${BEHIND} FROM ${from} ${w} ORDER BY b.fiscal_year, b.financer, b.id, b.funding_line LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  const [sums] = await ds.query(
    `SELECT count(*)::text AS "commitmentCount", ${TOTAL_LEDGERS.map((l) => `coalesce(sum(${COLUMN[l]}), 0)::text AS "${l}"`).join(', ')} FROM ${schemaOf(ds)}.${COMMITMENT_BUCKETS.name} b ${w}`,
    params,
  );
  return { rows: readRows(COMMITMENTS, rows, SUMMARY), total: amounts(sums) };
}

/** One commitment of the register; undefined when unknown or outside the reader's scope (the same answer). */
export async function commitmentRow(ds: DataSource, id: string, scope?: RegisterScope): Promise<Pick<CommitmentRow, (typeof DETAIL)[number]> | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const params: unknown[] = [id];
  const clauses = ['id = $1', ...scopeClauses(scope, params)];
  const [r] = readRows(
    COMMITMENTS,
    await ds.query(`SELECT ${selectList(COMMITMENTS, DETAIL)} FROM ${schemaOf(ds)}.commitments WHERE ${clauses.join(' AND ')}`, params),
    DETAIL,
  );
  return r;
}

/**
 * An operation of the register with the commitments the reader may see; undefined when there is no such operation or
 * the scope admits none of it: a partner sees an operation where its party has a commitment, a sous-préfecture one
 * located in its arrondissement.
 */
export async function operationSummary(ds: DataSource, operationId: string, scope?: RegisterScope) {
  const [location] = readRows(
    OPERATION_LOCATIONS,
    await ds.query(`SELECT ${selectList(OPERATION_LOCATIONS)} FROM ${schemaOf(ds)}.operation_locations WHERE operation_id = $1`, [operationId]),
  );
  const params: unknown[] = [operationId];
  const clauses = ['operation_id = $1', ...scopeClauses(scope, params)];
  const commitments = readRows(
    COMMITMENTS,
    await ds.query(`SELECT ${selectList(COMMITMENTS, SUMMARY)} FROM ${schemaOf(ds)}.commitments WHERE ${clauses.join(' AND ')} ORDER BY financer, id`, params),
    SUMMARY,
  );
  if (!location && commitments.length === 0) return undefined;
  if (scope?.financer !== undefined && commitments.length === 0) return undefined;
  if (scope?.arrondissement !== undefined && (location?.arrondissement ?? commitments[0]?.arrondissement) !== scope.arrondissement) return undefined;
  const total = amounts({
    commitmentCount: commitments.length,
    ...Object.fromEntries(TOTAL_LEDGERS.map((l) => [l, commitments.reduce((s, c) => s + c[l], 0)])),
  });
  return {
    operation: location ?? { operationId, domain: commitments[0]?.domain, name: commitments[0]?.operationName, arrondissement: commitments[0]?.arrondissement },
    commitments,
    total,
  };
}

export interface Freshness {
  projection: string;
  /** Position in the global log up to which this answer reflects the events. */
  checkpoint: string | null;
  /** recordedAt of the last event reflected. */
  reflectsRecordedUpTo: string | null;
}

export async function freshness(ds: DataSource, projection: string): Promise<Freshness> {
  const [state] = await ds.query(
    `SELECT checkpoint, to_char(last_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "reflectsRecordedUpTo" FROM ${schemaOf(ds)}.projection_state WHERE projection = $1`,
    [projection],
  );
  return { projection, checkpoint: state?.checkpoint ?? null, reflectsRecordedUpTo: state?.reflectsRecordedUpTo ?? null };
}

/** Each operation's commitments added up, ledger by ledger, with their warnings: for lists of operations of any domain. */
export async function financingByOperation(ds: DataSource, domain: string, scope?: RegisterScope): Promise<Map<string, Amounts & { warningCount: number }>> {
  const params: unknown[] = [domain];
  const clauses = ['domain = $1', ...scopeClauses(scope, params)];
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT operation_id AS "operationId", count(*)::text AS "commitmentCount", ${TOTAL_LEDGERS.map((l) => `sum(${COLUMN[l]})::text AS "${l}"`).join(', ')}, sum(warning_count)::text AS "warningCount"
       FROM ${schemaOf(ds)}.commitments WHERE ${clauses.join(' AND ')} GROUP BY operation_id`,
    params,
  );
  return new Map(rows.map((r) => [r.operationId as string, { ...amounts(r), warningCount: Number(r.warningCount) }]));
}
