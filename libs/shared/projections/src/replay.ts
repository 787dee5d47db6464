import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { EventStore, SqlDatabase, SqlExecutor } from '@erbm/shared/event-store';
import { openReadModelDataSource } from './data-source';
import type { Projection } from './projection';
import { DEFAULT_BATCH_SIZE } from './rebuild';
import { ProjectionRunner, logOf } from './runner';
import { isBuilt } from './checks';

/** The first row of a table that differs between the live tables and a replay of the log, and how many do. */
export interface ReplayDifference {
  projection: string;
  table: string;
  /** The row's primary key (its columns' values), the first in key order of the rows that differ. */
  key: Record<string, unknown>;
  /** Its first column that differs, in the table's order; null when the row is on one side only. */
  column: string | null;
  live: string | null;
  replayed: string | null;
  /** Rows of this table that differ, counted by key. */
  differingRows: number;
  reason: string;
}

export interface ReplayedProjection {
  projection: string;
  /** The checkpoint both the live tables and the replay stood at when compared. */
  checkpoint: string | null;
  tablesCompared: number;
  /** How long the live tables were held for the comparison (a live batch waits that long at most). */
  heldSeconds: number;
  /** One per table that differs, in the order of the tables' names. */
  differences: ReplayDifference[];
}

export interface ReplayReport {
  ok: boolean;
  projections: ReplayedProjection[];
  firstDifference: ReplayDifference | null;
  seconds: number;
}

export interface ReplayOptions {
  db: SqlDatabase;
  /** The server's connection string (the replay's tables are written through TypeORM); absent on the embedded database. */
  databaseUrl?: string;
  batchSize?: number;
  /**
   * Runs `work` while this process's live runners are paused: on the embedded database, whose one connection cannot
   * replay while it holds the live tables, the replay's last steps then meet a live projection that stands still.
   */
  holdLive?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** The runner's own tables: when a batch ran and what was parked are not what the log says, and differ rightly. */
const BOOKKEEPING = new Set(['projection_state', 'parked_events', 'typeorm_migrations']);
/**
 * On the embedded database the replay cannot move while the live tables are held (one connection): it catches up
 * again when a live projection it cannot pause (`holdLive`) moved in between, at most this many times.
 */
const EMBEDDED_ATTEMPTS = 50;

/**
 * Replays the whole log into a shadow schema of each projection, with the projection's own code and migrations (a
 * schema is the data source's), up to the checkpoint its live tables stand at, and compares them table by table. The
 * shadow schema is dropped afterwards.
 */
export async function replayReadModels(projections: readonly Projection[], store: EventStore, options: ReplayOptions): Promise<ReplayReport> {
  const started = performance.now();
  const replayed: ReplayedProjection[] = [];
  for (const projection of projections) if (await isBuilt(options.db, projection.schema)) replayed.push(await replayOne(projection, store, options));
  const differences = replayed.flatMap((p) => p.differences);
  return { ok: differences.length === 0, projections: replayed, firstDifference: differences[0] ?? null, seconds: (performance.now() - started) / 1000 };
}

async function replayOne(projection: Projection, store: EventStore, options: ReplayOptions): Promise<ReplayedProjection> {
  const { db } = options;
  const live = projection.schema;
  // Its own name: two verifications at once each replay into their own schema.
  const shadow = `${live}_replay_${randomBytes(4).toString('hex')}`;
  const liveCheckpoint = async (q: SqlExecutor) =>
    (await q.query<{ checkpoint: string | null }>(`SELECT checkpoint FROM "${live}".projection_state WHERE projection = $1`, [projection.name]))[0]
      ?.checkpoint ?? null;
  const ofAnotherLog = await anotherLog(db, projection, store);
  if (ofAnotherLog) return ofAnotherLog;
  let dataSource: DataSource | undefined;
  try {
    dataSource = await openReadModelDataSource({
      db,
      databaseUrl: options.databaseUrl,
      schema: shadow,
      entities: projection.entities,
      migrations: projection.migrations,
    });
    const runner = new ProjectionRunner(projection, store, dataSource, { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, asynchronousCommit: true });
    const notInLog = (checkpoint: string | null): ReplayedProjection =>
      stateDiffers(projection, checkpoint, {
        column: 'checkpoint',
        live: checkpoint,
        replayed: null,
        reason: 'the live checkpoint is no position of the log: the log was cut, or the checkpoint altered',
      });
    const hold = options.holdLive ?? (<T>(work: () => Promise<T>) => work());
    for (let attempt = 1; ; attempt++) {
      // Most of the log, while the live projection goes on…
      const before = await liveCheckpoint(db);
      if ((await runner.catchUp(undefined, { until: before })) !== before) return notInLog(before);
      const compared = await hold(async () => {
        // …the rest up to where the live projection stands now…
        const target = await liveCheckpoint(db);
        if ((await runner.catchUp(undefined, { until: target })) !== target) return notInLog(target);
        // …then the live tables held there: a live batch (which writes its checkpoint row first) waits for the
        // comparison, so both sides are compared at one checkpoint.
        return db.transaction(async (tx) => {
          await tx.query(`LOCK TABLE "${live}".projection_state IN SHARE MODE`);
          const held = performance.now();
          const now = await liveCheckpoint(tx);
          if (now !== target) {
            // A server replays what the live projection applied meanwhile on connections of its own; the embedded
            // database's one connection is this one: it tries again.
            if (db.mode !== 'server') return undefined;
            if ((await runner.catchUp(undefined, { until: now })) !== now) return notInLog(now);
          }
          const comparison = await compareSchemas(tx, projection.name, live, shadow);
          return { projection: projection.name, checkpoint: now, ...comparison, heldSeconds: (performance.now() - held) / 1000 };
        });
      });
      if (compared) return compared;
      if (attempt >= EMBEDDED_ATTEMPTS) throw new Error(`${projection.name}: the live projection moved during each of ${attempt} attempts to compare it`);
    }
  } finally {
    await dataSource?.destroy();
    await db.query(`DROP SCHEMA IF EXISTS "${shadow}" CASCADE`);
  }
}

/**
 * The live tables when their checkpoint is a position of another log than the store's: no replay of this log can
 * stand where they stand. Read as JSON, the tag is found (or not) in a live schema not migrated since it was added.
 */
async function anotherLog(db: SqlExecutor, projection: Projection, store: EventStore): Promise<ReplayedProjection | undefined> {
  const [state] = await db.query<{ checkpoint: string | null; log_id: string | null }>(
    `SELECT checkpoint, to_jsonb(s) ->> 'log_id' AS log_id FROM "${projection.schema}".projection_state s WHERE projection = $1`,
    [projection.name],
  );
  const log = await logOf(store);
  if (!state || state.checkpoint === null || state.log_id === null || state.log_id === log) return undefined;
  return stateDiffers(projection, state.checkpoint, {
    column: 'log_id',
    live: state.log_id,
    replayed: log,
    reason: "the live checkpoint is a position of another store's log than this one's: rebuild the projections from this store (npm run rebuild)",
  });
}

/** A replay that compared no table: its one difference is in the live projection's state row. */
function stateDiffers(
  projection: Projection,
  checkpoint: string | null,
  difference: { column: string; live: string | null; replayed: string | null; reason: string },
): ReplayedProjection {
  return {
    projection: projection.name,
    checkpoint,
    tablesCompared: 0,
    heldSeconds: 0,
    differences: [{ projection: projection.name, table: 'projection_state', key: { projection: projection.name }, ...difference, differingRows: 1 }],
  };
}

interface TableShape {
  columns: string[];
  key: string[];
}

/** The tables of a schema with their columns (in order) and primary key, from the catalog. */
async function tablesOf(q: SqlExecutor, schema: string): Promise<Map<string, TableShape>> {
  const rows = await q.query<{ name: string; columns: string[]; key: string[] | null }>(
    `SELECT c.relname AS name,
            array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
               FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
    [schema],
  );
  return new Map(rows.filter((r) => !BOOKKEEPING.has(r.name)).map((r) => [r.name, { columns: r.columns, key: r.key ?? r.columns }]));
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Each value of a row as text (as PostgreSQL writes it), by column. */
const rowAsText = (alias: string) => `(SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each_text(to_jsonb(${alias})) AS e)`;

async function compareSchemas(
  q: SqlExecutor,
  projection: string,
  live: string,
  shadow: string,
): Promise<Pick<ReplayedProjection, 'tablesCompared' | 'differences'>> {
  const liveTables = await tablesOf(q, live);
  const shadowTables = await tablesOf(q, shadow);
  const differences: ReplayDifference[] = [];
  const onOneSide = (table: string, reason: string): ReplayDifference => ({
    projection,
    table,
    key: {},
    column: null,
    live: null,
    replayed: null,
    differingRows: 0,
    reason,
  });
  for (const name of [...new Set([...liveTables.keys(), ...shadowTables.keys()])].sort()) {
    const l = liveTables.get(name);
    const s = shadowTables.get(name);
    if (!l || !s) {
      differences.push(onOneSide(name, l ? 'a live table the replay does not make' : 'a table the replay makes, not in the live schema'));
      continue;
    }
    if (l.columns.join() !== s.columns.join()) {
      differences.push(onOneSide(name, `columns differ: live (${l.columns.join(', ')}), replayed (${s.columns.join(', ')})`));
      continue;
    }
    const difference = await compareTable(q, projection, name, l, ident(live), ident(shadow));
    if (difference) differences.push(difference);
  }
  return { tablesCompared: liveTables.size, differences };
}

/**
 * The rows of one side only (EXCEPT both ways: a row that differs in any column is on both), counted by key, and the
 * first of them in key order, with its first column that differs.
 */
async function compareTable(
  q: SqlExecutor,
  projection: string,
  table: string,
  shape: TableShape,
  live: string,
  shadow: string,
): Promise<ReplayDifference | undefined> {
  const columns = shape.columns.map(ident).join(', ');
  const key = shape.key.map(ident).join(', ');
  // The key as JSON text, its columns in order: a bigint past 2^53 stays exact on its way back to PostgreSQL.
  const [first] = await q.query<{ key: string; differing: number | string }>(
    `WITH only_live AS (SELECT ${columns} FROM ${live}.${ident(table)} EXCEPT SELECT ${columns} FROM ${shadow}.${ident(table)}),
          only_replayed AS (SELECT ${columns} FROM ${shadow}.${ident(table)} EXCEPT SELECT ${columns} FROM ${live}.${ident(table)}),
          keys AS (SELECT ${key} FROM only_live UNION SELECT ${key} FROM only_replayed)
     SELECT to_json(k)::text AS key, count(*) OVER () AS differing FROM keys AS k ORDER BY ${key} LIMIT 1`,
  );
  if (!first) return undefined;
  // The row of that key on each side, read by its key as typed by the table.
  const byKey = (schema: string) =>
    q.query<{ row: Record<string, string | null> }>(
      `SELECT ${rowAsText('r')} AS row FROM ${schema}.${ident(table)} AS r
        WHERE (${key}) = (SELECT ${key} FROM jsonb_populate_record(NULL::${schema}.${ident(table)}, $1::jsonb))`,
      [first.key],
    );
  const [liveRow] = await byKey(live);
  const [replayedRow] = await byKey(shadow);
  const base = { projection, table, key: JSON.parse(first.key) as Record<string, unknown>, differingRows: Number(first.differing) };
  if (!liveRow) return { ...base, column: null, live: null, replayed: null, reason: 'a row the replay makes is missing from the live table' };
  if (!replayedRow) return { ...base, column: null, live: null, replayed: null, reason: 'a row of the live table that the replay does not make' };
  const column = shape.columns.find((c) => liveRow.row[c] !== replayedRow.row[c]) ?? null;
  return {
    ...base,
    column,
    live: column ? liveRow.row[column] : null,
    replayed: column ? replayedRow.row[column] : null,
    reason: 'the live row differs from the one the replay of the log makes',
  };
}
