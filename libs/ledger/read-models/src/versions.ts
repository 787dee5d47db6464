import { type RegisterScope, scopeClauses } from './register-scope';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { jsonRows, schemaOf } from '@erbm/shared/projections';
import { type Amounts, type TotalFilters, type TotalRow } from './queries';
import {
  COLUMN,
  COMMITMENT_BUCKETS,
  COMMITMENT_VERSIONS,
  type CommitmentBucketRow,
  type CommitmentRow,
  type CommitmentVersionRow,
  TOTAL_AXES,
  TOTAL_LEDGERS,
  type TotalAxis,
} from './tables';

/**
 * Every version of every commitment row, valid from the event that made it until the next one: the consolidated
 * views as the system knew them at any past time (or log position) are sums over the versions valid then.
 */
export class CommitmentVersions1732200000004 implements MigrationInterface {
  name = 'CommitmentVersions1732200000004';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // Written out as it ran, not from the declared ledgers: a migration is history, and tables.int.spec.ts checks the
    // declaration against what the migrations make.
    const money = ['announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered', 'reste_a_payer']
      .map((c) => `${c} bigint NOT NULL`)
      .join(', ');
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

const VERSION_PROPERTIES = Object.keys(COMMITMENT_VERSIONS.columns) as (keyof CommitmentVersionRow)[];
const VERSION = jsonRows(COMMITMENT_VERSIONS, VERSION_PROPERTIES);
/** Each value of a version, in the declared order: the bucket row's, the commitment's status, or null for the positions filled when recorded. */
const FROM_BUCKET = VERSION_PROPERTIES.map((p) => (p in COMMITMENT_BUCKETS.columns ? (p as keyof CommitmentBucketRow) : null));
const AT = Object.fromEntries(VERSION_PROPERTIES.map((p, i) => [p, i])) as Record<keyof CommitmentVersionRow, number>;

/** A commitment's buckets as an event left them, valid from that event on: each bucket's values as sent (an array, the cheapest to keep and send). */
export interface VersionSnapshot {
  id: string;
  rows: unknown[][];
  event: Pick<StoredEvent, 'position' | 'recordedAt' | 'appendId'>;
}

export function versionOf(
  row: Pick<CommitmentRow, 'id' | 'status'>,
  buckets: readonly CommitmentBucketRow[],
  event: Pick<StoredEvent, 'position' | 'recordedAt' | 'appendId'>,
): VersionSnapshot {
  const rows = buckets.map((bucket) => {
    const values = new Array<unknown>(FROM_BUCKET.length);
    for (let i = 0; i < FROM_BUCKET.length; i++) {
      const p = FROM_BUCKET[i];
      values[i] = p === null ? null : bucket[p];
    }
    values[AT.status] = row.status;
    return values;
  });
  return { id: row.id, rows, event: { position: event.position, recordedAt: event.recordedAt, appendId: event.appendId } };
}

const positionOf = (position: string): [string, string] => {
  const [a, b] = position.split('/');
  return [a, b];
};

/** Rows per statement: each statement's rows go as one JSON parameter that PostgreSQL expands. */
const CHUNK = 5_000;

/**
 * The versions a batch made, commitment by commitment, in log order. Versions made by one write (one appendId: an
 * append; on PostgreSQL, a transaction) are one version: no reader ever stood between its events, since projections
 * read the log in pages that end where a write ends. It starts at the first event, with the last one's rows. (On
 * EventStoreDB each event of an append has a position of its own: only the appendId tells the write.)
 */
export function versionsByCommitment(snapshots: readonly VersionSnapshot[]): Map<string, VersionSnapshot[]> {
  const byId = new Map<string, VersionSnapshot[]>();
  for (const s of snapshots) {
    const list = byId.get(s.id);
    if (!list) byId.set(s.id, [s]);
    else if (list[list.length - 1].event.appendId === s.event.appendId) list[list.length - 1] = { ...s, event: list[list.length - 1].event };
    else list.push(s);
  }
  return byId;
}

/**
 * Appends the versions a batch made, in log order, and closes each commitment's versions that were open before (one
 * per bucket): one statement per chunk, the closing of the open versions and the insert of the new ones, the rows in
 * one JSON parameter (an array of arrays). A version of a commitment is all its buckets, each a row.
 */
export async function recordVersions(manager: EntityManager, snapshots: VersionSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const table = `${schemaOf(manager)}.${COMMITMENT_VERSIONS.name}`;
  const byId = versionsByCommitment(snapshots);
  // Each bucket's values in each version, then whether it closes the open versions.
  const rows: unknown[][] = [];
  for (const list of byId.values())
    list.forEach((s, i) => {
      const next = list[i + 1];
      const [fromTxid, fromGp] = positionOf(s.event.position);
      const [toTxid, toGp] = next ? positionOf(next.event.position) : [null, null];
      for (const values of s.rows) {
        const row = [...values];
        [row[AT.fromTxid], row[AT.fromGp]] = [fromTxid, fromGp];
        row[AT.fromRecordedAt] = s.event.recordedAt;
        if (next) {
          [row[AT.toTxid], row[AT.toGp]] = [toTxid, toGp];
          row[AT.toRecordedAt] = next.event.recordedAt;
        }
        // The first version of each commitment in the batch closes those left open by an earlier batch.
        row.push(i === 0);
        rows.push(row);
      }
    });
  const columns = VERSION.columns.join(', ');
  const fields = [...VERSION.values.map((v, i) => `${v} AS ${VERSION.columns[i]}`), `(x->>${VERSION.columns.length})::boolean AS closes`].join(', ');
  for (let i = 0; i < rows.length; i += CHUNK)
    await manager.query(
      `WITH r AS MATERIALIZED (SELECT ${fields} FROM jsonb_array_elements($1::jsonb) AS x),
       closed AS (
         UPDATE ${table} v SET to_txid = r.from_txid, to_gp = r.from_gp, to_recorded_at = r.from_recorded_at
           FROM r WHERE r.closes AND v.id = r.id AND v.to_txid IS NULL)
       INSERT INTO ${table} (${columns}) SELECT ${columns} FROM r
       ON CONFLICT (id, funding_line, fiscal_year, from_txid, from_gp) DO NOTHING`,
      [JSON.stringify(rows.slice(i, i + CHUNK))],
    );
}

export type KnownAt = { recordedAt: string } | { checkpoint: string };

/** The consolidated totals exactly as the system knew them at a past time, or at a position of the log. */
export async function consolidatedTotalsKnownAt(
  ds: { query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>; options: unknown },
  groupBy: TotalAxis[],
  filters: TotalFilters,
  at: KnownAt,
  scope?: RegisterScope,
): Promise<{ rows: TotalRow[]; total: Amounts }> {
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
  const where = [
    known,
    ...TOTAL_AXES.filter((a) => filters[a] !== undefined).map((a) => {
      params.push(filters[a]);
      return `${COLUMN[a]} = $${params.length}`;
    }),
    ...scopeClauses(scope, params),
  ].join(' AND ');
  const sums = TOTAL_LEDGERS.map((l) => `sum(${COLUMN[l]})::text AS "${l}"`).join(', ');
  const cols = groupBy.map((a) => `${COLUMN[a]} AS "${a}"`);
  const raw = await ds.query(
    `SELECT ${[...cols, 'count(*)::text AS "commitmentCount"', sums].join(', ')} FROM ${schema}.commitment_versions WHERE ${where}
     ${groupBy.length ? `GROUP BY ${groupBy.map((a) => COLUMN[a]).join(', ')} ORDER BY ${groupBy.map((a) => COLUMN[a]).join(', ')}` : ''}`,
    params,
  );
  const amounts = (r: Record<string, unknown>) => Object.fromEntries(['commitmentCount', ...TOTAL_LEDGERS].map((l) => [l, Number(r[l] ?? 0)])) as Amounts;
  const rows = raw
    .filter((r) => groupBy.length > 0 || Number(r.commitmentCount) > 0)
    .map((r) => ({ ...Object.fromEntries(groupBy.map((a) => [a, a === 'fiscalYear' ? Number(r[a]) : r[a]])), ...amounts(r) }) as TotalRow);
  const total = amounts(
    Object.fromEntries(['commitmentCount', ...TOTAL_LEDGERS].map((l) => [l, rows.reduce((s, r) => s + (r[l as keyof Amounts] as number), 0)])),
  );
  return { rows, total };
}
