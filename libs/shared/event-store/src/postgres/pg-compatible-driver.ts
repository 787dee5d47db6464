import { EventEmitter } from 'node:events';
import type { EmbeddedLease, RawResult, SqlDatabase } from './sql-database';
import { isEmbedded } from './sql-database';

type Callback<T> = (error: Error | null, result?: T) => void;

/** A node-postgres client over a lease of the embedded database: what TypeORM's postgres driver calls. */
class LeasedClient extends EventEmitter {
  constructor(private readonly lease: EmbeddedLease) {
    super();
  }

  query(
    text: string | { text: string; values?: unknown[] },
    params?: unknown[] | Callback<RawResult>,
    callback?: Callback<RawResult>,
  ): Promise<RawResult> | void {
    const sql = typeof text === 'string' ? text : text.text;
    const values =
      typeof params === 'function' ? (typeof text === 'string' ? [] : (text.values ?? [])) : (params ?? (typeof text === 'string' ? [] : (text.values ?? [])));
    const done = typeof params === 'function' ? params : callback;
    const result = this.lease.query(sql, values.map(toPgliteValue));
    if (!done) return result;
    result.then(
      (r) => done(null, r),
      (e: Error) => done(e),
    );
  }

  release(): void {
    this.lease.release();
  }
}

// node-postgres sends Dates, arrays and objects itself; PGlite serialises arrays and Dates the same way, but objects as
// JSON only for json parameters: give it their text, which PostgreSQL casts.
function toPgliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/**
 * A `pg`-compatible module for TypeORM's `driver` option, on the embedded database. Each checked-out client holds the
 * single connection until released, so a TypeORM transaction never interleaves with the event store's statements.
 */
export function pgCompatibleDriver(db: SqlDatabase): { Pool: new (options: unknown) => unknown; defaults: Record<string, unknown> } {
  if (!isEmbedded(db)) throw new Error('pgCompatibleDriver is for the embedded database; on a server use the pg driver itself');
  const embedded = db;
  class Pool extends EventEmitter {
    constructor(_options: unknown) {
      super();
    }

    connect(callback?: (error: Error | null, client?: LeasedClient, release?: (e?: unknown) => void) => void): Promise<LeasedClient> | void {
      const client = embedded.lease().then((lease: EmbeddedLease) => new LeasedClient(lease));
      if (!callback) return client;
      client.then(
        (c: LeasedClient) => callback(null, c, () => c.release()),
        (e: Error) => callback(e),
      );
    }

    end(callback?: (error?: Error) => void): Promise<void> | void {
      // The database belongs to whoever opened it: ending TypeORM's pool does not close it.
      if (callback) callback();
      else return Promise.resolve();
    }
  }
  return { Pool, defaults: {} };
}
