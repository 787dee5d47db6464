import { chainHash, contentDigest } from '../hash-chain';
import type { SqlDatabase, SqlExecutor } from './sql-database';

interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Work SQL cannot express, run after the SQL in the same transaction. */
  run?: (tx: SqlExecutor) => Promise<void>;
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
  {
    version: 2,
    name: 'hash chain per stream, seals of the log',
    sql: `
      ALTER TABLE event_store.events ADD COLUMN hash bytea;
      ALTER TABLE event_store.streams ADD COLUMN last_hash bytea;
      ALTER TABLE event_store.streams ADD COLUMN appended_hashes bytea[];
      CREATE FUNCTION event_store.chain_hashes(previous bytea, first_revision bigint, digests text[]) RETURNS bytea[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS '
          WITH RECURSIVE c(i, h) AS (
            SELECT 0, coalesce(previous, ''''::bytea)
            UNION ALL
            SELECT i + 1, sha256(h || convert_to((first_revision + i)::text, ''UTF8'') || decode(digests[i + 1], ''hex''))
              FROM c WHERE i < cardinality(digests))
          SELECT array_agg(h ORDER BY i) FROM c WHERE i > 0';
      CREATE TABLE event_store.seals (
        seal_number     bigint PRIMARY KEY,
        up_to_position  text,
        up_to_txid      xid8,
        up_to_global    bigint,
        events          bigint NOT NULL,
        digest          bytea NOT NULL,
        previous_digest bytea,
        sealed_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        sealed_by       text NOT NULL
      )
    `,
    // Events written before the chain existed get their hashes now, in stream order.
    run: async (tx) => {
      let after = { stream: '', revision: -1 };
      let previous: Buffer | null = null;
      for (;;) {
        const rows = await tx.query<{
          event_id: string;
          stream_name: string;
          revision: string;
          type: string;
          schema_version: number;
          data: string;
          envelope: string;
        }>(
          `SELECT event_id::text, stream_name, revision::text, type, schema_version, data::text AS data, envelope::text AS envelope
             FROM event_store.events WHERE (stream_name, revision) > ($1, $2::bigint) ORDER BY stream_name, revision LIMIT 5000`,
          [after.stream, after.revision],
        );
        if (rows.length === 0) break;
        const ids: string[] = [];
        const hashes: string[] = [];
        for (const r of rows) {
          if (Number(r.revision) === 0) previous = null;
          const hash = chainHash(
            previous,
            Number(r.revision),
            contentDigest({
              id: r.event_id,
              streamName: r.stream_name,
              type: r.type,
              schemaVersion: Number(r.schema_version),
              dataText: r.data,
              envelopeText: r.envelope,
            }),
          );
          ids.push(r.event_id);
          hashes.push(hash.toString('hex'));
          previous = hash;
        }
        await tx.query(
          `UPDATE event_store.events e SET hash = decode(u.hash, 'hex') FROM unnest($1::uuid[], $2::text[]) AS u(id, hash) WHERE e.event_id = u.id`,
          [ids, hashes],
        );
        const last = rows[rows.length - 1];
        after = { stream: last.stream_name, revision: Number(last.revision) };
      }
      await tx.query('ALTER TABLE event_store.events ALTER COLUMN hash SET NOT NULL');
      await tx.query(
        `UPDATE event_store.streams s SET last_hash = e.hash FROM event_store.events e WHERE e.stream_name = s.stream_name AND e.revision = s.revision`,
      );
    },
  },
  {
    version: 3,
    // Drawn once, when the log is created (or first migrated): a copy of the database (a dump, a restored backup) is
    // the same log and keeps it; another database is another log, whose positions mean nothing here.
    name: 'identity of the log',
    sql: `
      CREATE TABLE event_store.log_identity (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        log_id     uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO event_store.log_identity DEFAULT VALUES
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
    const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM event_store.migrations')).map((r) => Number(r.version)));
    const done: number[] = [];
    for (const migration of EVENT_STORE_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.sql
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)) {
        await tx.query(statement);
      }
      await migration.run?.(tx);
      await tx.query('INSERT INTO event_store.migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}
