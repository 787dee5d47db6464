import type { SqlDatabase } from './sql-database';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Versioned, append-only: a shipped migration is never edited, a change is a new version.
 * The same SQL runs on PostgreSQL 15+ and on PGlite.
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events and streams',
    sql: `
      CREATE TABLE event_store.streams (
        stream_name text PRIMARY KEY,
        revision    bigint NOT NULL
      );
      CREATE TABLE event_store.events (
        global_position bigserial PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id        uuid NOT NULL,
        stream_name     text NOT NULL,
        revision        bigint NOT NULL,
        type            text NOT NULL,
        schema_version  integer NOT NULL,
        data            json NOT NULL,
        envelope        json NOT NULL,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_revision_key UNIQUE (stream_name, revision)
      );
      CREATE INDEX events_global_order_idx ON event_store.events (transaction_id, global_position);
      CREATE INDEX events_recorded_at_idx ON event_store.events (recorded_at);
    `,
  },
];

const MIGRATION_LOCK = 4_242_017_001;

/** Brings the event store schema up to date. Safe to call from several processes at once. */
export async function migrateEventStore(db: SqlDatabase): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE SCHEMA IF NOT EXISTS event_store');
    await tx.query(`CREATE TABLE IF NOT EXISTS event_store.migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM event_store.migrations')).map((r) => Number(r.version)),
    );
    const done: number[] = [];
    for (const migration of EVENT_STORE_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.sql.split(';').map((s) => s.trim()).filter(Boolean)) {
        await tx.query(statement);
      }
      await tx.query('INSERT INTO event_store.migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
