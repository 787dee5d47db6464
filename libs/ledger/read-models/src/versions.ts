import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { schemaOf, transactionOf } from '@erbm/shared/projections';
import type { CommitmentRow } from './entities';
import { type Amounts, type TotalFilters, type TotalRow } from './queries';
import { COLUMN, TOTAL_AXES, TOTAL_LEDGERS, type TotalAxis } from './entities';

/**
 * Every version of every commitment row, valid from the event that made it until the next one: the consolidated
 * views as the system knew them at any past time (or log position) are sums over the versions valid then.
 */
export class CommitmentVersions1732200000004 implements MigrationInterface {
  name = 'CommitmentVersions1732200000004';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    const money = TOTAL_LEDGERS.map((l) => `${COLUMN[l]} bigint NOT NULL`).join(', ');
    await q.query(`CREATE TABLE ${s}.commitment_versions (
      id uuid NOT NULL,
      from_txid bigint NOT NULL, from_gp bigint NOT NULL, from_recorded_at timestamptz NOT NULL,
      to_txid bigint, to_gp bigint, to_recorded_at timestamptz,
      domain text NOT NULL, financer text NOT NULL, funding_line text NOT NULL, arrondissement text NOT NULL, fiscal_year int NOT NULL,
      status text NOT NULL, ${money},
      PRIMARY KEY (id, from_txid, from_gp))`);
    await q.query(`CREATE INDEX commitment_versions_known ON ${s}.commitment_versions (from_recorded_at, to_recorded_at)`);
    await q.query(`CREATE INDEX commitment_versions_open ON ${s}.commitment_versions (id) WHERE to_txid IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.commitment_versions`);
  }
}

export interface VersionSnapshot {
  row: Pick<CommitmentRow, 'id' | 'domain' | 'financer' | 'fundingLine' | 'arrondissement' | 'fiscalYear' | 'status'> & Record<string, unknown>;
  event: Pick<StoredEvent, 'position' | 'recordedAt'>;
}

const positionOf = (position: string): [string, string] => {
  const [a, b] = position.split('/');
  return [a, b];
};

const VERSION_COLUMNS = ['id', 'from_txid', 'from_gp', 'from_recorded_at', 'to_txid', 'to_gp', 'to_recorded_at', 'domain', 'financer', 'funding_line', 'arrondissement', 'fiscal_year', 'status', ...TOTAL_LEDGERS.map((l) => COLUMN[l])];
const VERSION_TYPES: Record<string, string> = { id: 'uuid', from_txid: 'bigint', from_gp: 'bigint', from_recorded_at: 'timestamptz', to_txid: 'bigint', to_gp: 'bigint', to_recorded_at: 'timestamptz', fiscal_year: 'int', ...Object.fromEntries(TOTAL_LEDGERS.map((l) => [COLUMN[l], 'bigint'])) };
/** Rows per statement: each statement's rows go as one JSON parameter that PostgreSQL expands. */
const CHUNK = 5_000;

/**
 * Appends the versions a batch made, in log order, and closes each commitment's version that was open before: one
 * statement per chunk, the closing of the open versions and the insert of the new ones, the rows in one JSON parameter
 * (an array of arrays).
 */
export async function recordVersions(manager: EntityManager, snapshots: VersionSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const table = `"${(manager.connection.options as { schema: string }).schema}".commitment_versions`;
  const byId = new Map<string, VersionSnapshot[]>();
  for (const s of snapshots) {
    const list = byId.get(s.row.id);
    if (!list) byId.set(s.row.id, [s]);
    // Versions made by one transaction (one append) are one version: no reader ever stood between its events, since
    // projections read the log in pages that end where a transaction ends. It starts at the first, with the last's row.
    else if (transactionOf(list[list.length - 1].event.position) === transactionOf(s.event.position)) list[list.length - 1] = { row: s.row, event: list[list.length - 1].event };
    else list.push(s);
  }
  // Each row as an array of its values in VERSION_COLUMNS order, then whether it closes an open version: JSON without
  // keys is less than half as long, to write in Node and to read in PostgreSQL.
  const rows: unknown[][] = [];
  for (const list of byId.values())
    list.forEach((s, i) => {
      const next = list[i + 1];
      const [tx, gp] = positionOf(s.event.position);
      const [ntx, ngp] = next ? positionOf(next.event.position) : [null, null];
      const row: unknown[] = [s.row.id, tx, gp, s.event.recordedAt, ntx, ngp, next?.event.recordedAt ?? null, s.row.domain, s.row.financer, s.row.fundingLine, s.row.arrondissement, s.row.fiscalYear, s.row.status];
      for (const l of TOTAL_LEDGERS) row.push(s.row[l]);
      // The first version of each commitment in the batch closes the one left open by an earlier batch.
      row.push(i === 0);
      rows.push(row);
    });
  const fields = [...VERSION_COLUMNS.map((c, i) => `(x->>${i})::${VERSION_TYPES[c] ?? 'text'} AS ${c}`), `(x->>${VERSION_COLUMNS.length})::boolean AS closes`].join(', ');
  for (let i = 0; i < rows.length; i += CHUNK)
    await manager.query(
      `WITH r AS MATERIALIZED (SELECT ${fields} FROM jsonb_array_elements($1::jsonb) AS x),
       closed AS (
         UPDATE ${table} v SET to_txid = r.from_txid, to_gp = r.from_gp, to_recorded_at = r.from_recorded_at
           FROM r WHERE r.closes AND v.id = r.id AND v.to_txid IS NULL)
       INSERT INTO ${table} (${VERSION_COLUMNS.join(', ')}) SELECT ${VERSION_COLUMNS.join(', ')} FROM r
       ON CONFLICT (id, from_txid, from_gp) DO NOTHING`,
      [JSON.stringify(rows.slice(i, i + CHUNK))],
    );
}

export type KnownAt = { recordedAt: string } | { checkpoint: string };

/** The consolidated totals exactly as the system knew them at a past time, or at a position of the log. */
export async function consolidatedTotalsKnownAt(ds: { query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>; options: unknown }, groupBy: TotalAxis[], filters: TotalFilters, at: KnownAt): Promise<{ rows: TotalRow[]; total: Amounts }> {
  const schema = `"${(ds.options as { schema: string }).schema}"`;
  const params: unknown[] = [];
  let known: string;
  if ('recordedAt' in at) {
    params.push(at.recordedAt);
    known = `from_recorded_at <= $1 AND (to_recorded_at IS NULL OR to_recorded_at > $1)`;
  } else {
    const [tx, gp] = positionOf(at.checkpoint);
    params.push(tx, gp);
    known = `(from_txid, from_gp) <= ($1::bigint, $2::bigint) AND (to_txid IS NULL OR (to_txid, to_gp) > ($1::bigint, $2::bigint))`;
  }
  const where = [known, ...TOTAL_AXES.filter((a) => filters[a] !== undefined).map((a) => {
    params.push(filters[a]);
    return `${COLUMN[a]} = $${params.length}`;
  })].join(' AND ');
  const sums = TOTAL_LEDGERS.map((l) => `sum(${COLUMN[l]})::text AS "${l}"`).join(', ');
  const cols = groupBy.map((a) => `${COLUMN[a]} AS "${a}"`);
  const raw = await ds.query(
    `SELECT ${[...cols, 'count(*)::text AS commitments', sums].join(', ')} FROM ${schema}.commitment_versions WHERE ${where}
     ${groupBy.length ? `GROUP BY ${groupBy.map((a) => COLUMN[a]).join(', ')} ORDER BY ${groupBy.map((a) => COLUMN[a]).join(', ')}` : ''}`,
    params,
  );
  const amounts = (r: Record<string, unknown>) => Object.fromEntries(['commitments', ...TOTAL_LEDGERS].map((l) => [l, Number(r[l] ?? 0)])) as Amounts;
  const rows = raw.filter((r) => groupBy.length > 0 || Number(r.commitments) > 0).map((r) => ({ ...Object.fromEntries(groupBy.map((a) => [a, a === 'fiscalYear' ? Number(r[a]) : r[a]])), ...amounts(r) }) as TotalRow);
  const total = amounts(Object.fromEntries(['commitments', ...TOTAL_LEDGERS].map((l) => [l, rows.reduce((s, r) => s + (r[l as keyof Amounts] as number), 0)])));
  return { rows, total };
}
