import type { SqlExecutor } from '@erbm/shared/event-store';
import type { Projection, ReadModelCheck } from './projection';
import type { Table } from './table';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface SameRowsCheck {
  /** The table checked. */
  table: Table;
  /** Its rows as they are, when not all of them: a SELECT over `schema` naming the key's and the compared columns. */
  actual?: (schema: string) => string;
  /** The rows it must hold, made from their source: a SELECT over `schema` naming the same columns. */
  expected: (schema: string) => string;
  /** The columns compared, in the order a break names them. */
  columns: readonly string[];
  /** The columns that match a row to its expected one, when not the table's key. */
  key?: readonly string[];
  rule: string;
  /** Why, for a row of one side only. */
  missing?: string;
  unexpected?: string;
}

/**
 * A table's rows equal rows made from their source (a total and the sum of the rows behind it): each row of either side
 * only, and each column that differs, is a break. The first column stands for a row of one side only.
 */
export function sameRowsCheck(check: SameRowsCheck): ReadModelCheck {
  const key = check.key ?? check.table.key.map((p) => check.table.columns[p].name);
  const selected = [...key, ...check.columns].join(', ');
  const keyOf = (c: string) => `coalesce(a.${c}, e.${c})`;
  const compared = check.columns.map((c, i) => `(${i}, '${c}', e.${c}::text, a.${c}::text)`).join(', ');
  return {
    table: check.table.name,
    rule: check.rule,
    sql: (schema) => `
      WITH a AS (SELECT ${selected}, true AS present FROM (${check.actual?.(schema) ?? `SELECT * FROM ${schema}.${check.table.name}`}) AS x),
           e AS (SELECT ${selected}, true AS present FROM (${check.expected(schema)}) AS x)
      SELECT json_build_object(${key.map((c) => `'${c}', ${keyOf(c)}`).join(', ')}) AS key, d.name AS "column", d.expected, d.actual,
             CASE WHEN a.present IS NULL THEN ${literal(check.missing ?? `no row where one is due: ${check.rule}`)}
                  WHEN e.present IS NULL THEN ${literal(check.unexpected ?? `a row with nothing behind it: ${check.rule}`)}
                  ELSE ${literal(check.rule)} END AS reason
        FROM a FULL OUTER JOIN e ON ${key.map((c) => `a.${c} = e.${c}`).join(' AND ')}
       CROSS JOIN LATERAL (VALUES ${compared}) AS d(n, name, expected, actual)
       WHERE CASE WHEN a.present AND e.present THEN d.expected IS DISTINCT FROM d.actual ELSE d.n = 0 END
       ORDER BY ${key.map(keyOf).join(', ')}, d.n`,
  };
}

export interface ReadModelBreak {
  projection: string;
  table: string;
  /** The key of the row at fault: its columns' values. */
  key: Record<string, unknown>;
  column: string | null;
  /** What the rule says the value is (from the rows behind it), and what the table holds; null: no row. */
  expected: string | null;
  actual: string | null;
  reason: string;
}

export interface ReadModelChecksReport {
  ok: boolean;
  checksRun: number;
  /** The first breaks of each check (at most BREAKS_SHOWN of each), in the order of their keys. */
  breaks: ReadModelBreak[];
  /** Every break found, those not shown included. */
  breaksFound: number;
  /** Projections whose tables are not there (never built in this database): nothing to check. */
  notBuilt: string[];
  seconds: number;
}

/** Breaks shown per check: past a few, an auditor needs the count, not the list. */
export const BREAKS_SHOWN = 20;

/** Whether a projection's tables are in a database: its schema's bookkeeping is made with them. */
export async function isBuilt(db: SqlExecutor, schema: string): Promise<boolean> {
  const [{ built }] = await db.query<{ built: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS built`, [`"${schema}".projection_state`]);
  return built;
}

/**
 * Runs every check the projections declare on their live tables. Each check is one statement, so it reads the tables
 * as one batch of the projection left them (a batch commits its tables and its checkpoint together).
 */
export async function runReadModelChecks(db: SqlExecutor, projections: readonly Projection[]): Promise<ReadModelChecksReport> {
  const started = performance.now();
  const breaks: ReadModelBreak[] = [];
  const notBuilt: string[] = [];
  let breaksFound = 0;
  let checksRun = 0;
  for (const projection of projections) {
    if (!(await isBuilt(db, projection.schema))) {
      notBuilt.push(projection.name);
      continue;
    }
    for (const check of projection.checks ?? []) {
      const rows = await db.query<Omit<ReadModelBreak, 'projection' | 'table'> & { found: number | string }>(
        `SELECT b.*, count(*) OVER () AS found FROM (${check.sql(`"${projection.schema}"`)}) AS b LIMIT ${BREAKS_SHOWN}`,
      );
      checksRun += 1;
      breaksFound += Number(rows[0]?.found ?? 0);
      for (const { found: _found, ...row } of rows) breaks.push({ projection: projection.name, table: check.table, ...row });
    }
  }
  return { ok: breaksFound === 0, checksRun, breaks, breaksFound, notBuilt, seconds: (performance.now() - started) / 1000 };
}
