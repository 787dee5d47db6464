import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { schemaOf } from '@erbm/shared/projections';
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

/** Appends the versions a batch made, in log order, and closes each commitment's version that was open before. */
export async function recordVersions(manager: EntityManager, snapshots: VersionSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const table = `"${(manager.connection.options as { schema: string }).schema}".commitment_versions`;
  const byId = new Map<string, VersionSnapshot[]>();
  for (const s of snapshots) byId.set(s.row.id, [...(byId.get(s.row.id) ?? []), s]);
  const firsts = [...byId.values()].map((list) => list[0]);
  const closeIds = firsts.map((s) => s.row.id);
  const closeTx = firsts.map((s) => positionOf(s.event.position)[0]);
  const closeGp = firsts.map((s) => positionOf(s.event.position)[1]);
  const closeAt = firsts.map((s) => s.event.recordedAt);
  await manager.query(
    `UPDATE ${table} v SET to_txid = u.tx, to_gp = u.gp, to_recorded_at = u.at
       FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS u(id, tx, gp, at)
      WHERE v.id = u.id AND v.to_txid IS NULL`,
    [closeIds, closeTx, closeGp, closeAt],
  );
  const columns = ['id', 'from_txid', 'from_gp', 'from_recorded_at', 'to_txid', 'to_gp', 'to_recorded_at', 'domain', 'financer', 'funding_line', 'arrondissement', 'fiscal_year', 'status', ...TOTAL_LEDGERS.map((l) => COLUMN[l])];
  const values: unknown[][] = [];
  for (const list of byId.values())
    list.forEach((s, i) => {
      const next = list[i + 1];
      const [tx, gp] = positionOf(s.event.position);
      const [ntx, ngp] = next ? positionOf(next.event.position) : [null, null];
      values.push([s.row.id, tx, gp, s.event.recordedAt, ntx, ngp, next?.event.recordedAt ?? null, s.row.domain, s.row.financer, s.row.fundingLine, s.row.arrondissement, s.row.fiscalYear, s.row.status, ...TOTAL_LEDGERS.map((l) => s.row[l])]);
    });
  const types = ['uuid', 'bigint', 'bigint', 'timestamptz', 'bigint', 'bigint', 'timestamptz', 'text', 'text', 'text', 'text', 'int', 'text', ...TOTAL_LEDGERS.map(() => 'bigint')];
  for (let i = 0; i < values.length; i += 5_000) {
    const chunk = values.slice(i, i + 5_000);
    await manager.query(
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, j) => `$${j + 1}::${t}[]`).join(', ')})
       ON CONFLICT (id, from_txid, from_gp) DO NOTHING`,
      types.map((_, j) => chunk.map((v) => v[j])),
    );
  }
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
