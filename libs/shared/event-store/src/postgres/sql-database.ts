import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { Client, Pool, type PoolClient } from 'pg';
import { type DataFolderLock, lockDataFolder } from './data-folder-lock';

export type DatabaseMode = 'server' | 'embedded';

/** Runs SQL with positional parameters ($1, $2…). The same SQL runs on the PostgreSQL server and on PGlite. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly mode: DatabaseMode;
  /**
   * Runs `work` in one transaction. On the embedded database, which has a single connection shared by the whole
   * process, transactions and statements are serialised: two of them never interleave.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A connection of its own, outside the pool: what must last as long as the process, such as a session-level lock. */
export interface SqlSession extends SqlExecutor {
  /** Settles when the connection is lost or closed: whatever the session held is gone. */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

/** A full query result, as node-postgres gives it: what an ORM needs besides the rows. */
export interface RawResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  command: string;
  fields: { name: string }[];
}

/** Exclusive use of the single embedded connection until released: nothing else runs on it meanwhile. */
export interface EmbeddedLease {
  query(sql: string, params?: readonly unknown[]): Promise<RawResult>;
  release(): void;
}

export interface OpenSqlDatabaseOptions {
  /** A PostgreSQL connection string. Without it, the embedded database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database; `memory://` keeps it in memory. */
  dataDir?: string;
  poolSize?: number;
  /** How long a query waits for a connection (a new one, or a free one of the pool) before it fails. */
  connectTimeoutMs?: number;
  /**
   * Embedded database in a folder another process has open: what the person should do instead, in French (the
   * HTTP route of the running server that does the same). The refusal names that process in any case.
   */
  instead?: string;
  /** Embedded database only: start from this dump of a data folder (`PGlite.dumpDataDir`) instead of an empty one. */
  loadDataDir?: Blob;
}

/**
 * A request fails after this long when the server cannot be reached, rather than hanging (node-postgres waits forever
 * by default, and a connect to a host that drops packets takes minutes to fail). It also bounds the wait for a free
 * connection of the pool: past it, the database is saturated, as unavailable to this request as if it were down.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens the PostgreSQL server's pool, or the embedded database. A data folder is locked for this process until
 * `close()` (or its exit): a second process, or a second opening in this one, gets DataFolderInUseError.
 */
export async function openSqlDatabase(options: OpenSqlDatabaseOptions): Promise<SqlDatabase> {
  if (options.databaseUrl) return new ServerDatabase(options.databaseUrl, options.poolSize ?? 10, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const dataDir = options.dataDir ?? '.data/erbm';
  let lock: DataFolderLock | undefined;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    lock = lockDataFolder(dataDir, { instead: options.instead });
  }
  try {
    const { PGlite: PGliteClass } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const pglite = new PGliteClass(dataDir, options.loadDataDir ? { loadDataDir: options.loadDataDir } : undefined);
    await pglite.waitReady;
    return new EmbeddedDatabase(pglite, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

class ServerDatabase implements SqlDatabase {
  readonly mode = 'server' as const;
  private readonly pool: Pool;

  constructor(
    private readonly connectionString: string,
    max: number,
    private readonly connectionTimeoutMillis: number,
  ) {
    this.pool = new Pool({ connectionString, max, connectionTimeoutMillis });
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query(prepared(sql, params));
    return result.rows as Row[];
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // The pool stops listening to a client it lends: a connection lost meanwhile (a server restart, a cut, a terminated
    // session) would be an unhandled 'error' event, which ends the process. The transaction's statements fail anyway.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(clientExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', onError);
      // A client whose connection failed is discarded, not lent again.
      client.release(lost);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async session(): Promise<SqlSession> {
    const client = new Client({ connectionString: this.connectionString, connectionTimeoutMillis: this.connectionTimeoutMillis });
    let settle!: () => void;
    const lost = new Promise<void>((resolve) => (settle = resolve));
    // A lost connection must not crash the process: its owner learns of it through `lost`.
    client.on('error', settle);
    client.on('end', settle);
    await client.connect();
    return { ...clientExecutor(client), lost, close: () => client.end() };
  }
}

const statementNames = new Map<string, string>();

/**
 * Parameterised statements are named after their text, so each connection parses and plans them once. Statements
 * without parameters (DDL, BEGIN) stay unnamed: several of them may sit in one string.
 */
function prepared(sql: string, params: readonly unknown[]): { text: string; values: unknown[]; name?: string } {
  if (params.length === 0) return { text: sql, values: [] };
  let name = statementNames.get(sql);
  if (!name) {
    name = `erbm_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return { text: sql, values: params as unknown[], name };
}

export function clientExecutor(client: PoolClient | { query: PoolClient['query'] }): SqlExecutor {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const result = await client.query(prepared(sql, params));
      return result.rows as Row[];
    },
  };
}

const nextTurnOfEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class EmbeddedDatabase implements SqlDatabase {
  readonly mode = 'embedded' as const;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pglite: PGlite,
    private readonly lock?: DataFolderLock,
  ) {}

  /**
   * One at a time: the single connection must never carry two transactions at once. Each entry first lets the event
   * loop turn: PGlite runs its statements synchronously and resolves them as microtasks, so a queue kept full by many
   * requests would run as one chain of microtasks, and the loop would not read the network until it emptied. New
   * connections then got in about one per second under 50 writers (some requests waited 20 to 30 s while others were
   * served in 0.3 s); with a turn between entries every request joins the queue when it arrives, and is served in order.
   */
  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(nextTurnOfEventLoop).then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.serialise(async () => (await this.pglite.query<Row>(sql, params as unknown[])).rows);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serialise(() =>
      this.pglite.transaction(async (tx: Transaction) =>
        work({
          async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
            return (await tx.query<Row>(sql, params as unknown[])).rows;
          },
        }),
      ),
    );
  }

  /**
   * Holds the connection for a client that runs its own statements and transactions (TypeORM through
   * `pgCompatibleDriver`): queued like a transaction, so it never interleaves with anything else.
   */
  lease(): Promise<EmbeddedLease> {
    return new Promise((granted, refused) => {
      void this.serialise(
        () =>
          new Promise<void>((released) => {
            const pglite = this.pglite;
            let open = true;
            granted({
              async query(sql: string, params: readonly unknown[] = []): Promise<RawResult> {
                if (!open) throw new Error('lease already released');
                if (params.length === 0) {
                  // The simple protocol runs several statements in one string, as migrations may send.
                  const results = await pglite.exec(sql);
                  const last = results[results.length - 1] ?? { rows: [], affectedRows: 0, fields: [] };
                  return {
                    rows: last.rows as Record<string, unknown>[],
                    rowCount: last.affectedRows ?? last.rows.length,
                    command: commandOf(sql),
                    fields: last.fields,
                  };
                }
                const result = await pglite.query<Record<string, unknown>>(sql, params as unknown[]);
                return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length, command: commandOf(sql), fields: result.fields };
              },
              release() {
                open = false;
                released();
              },
            });
          }),
      ).catch(refused);
    });
  }

  async close(): Promise<void> {
    try {
      await this.serialise(() => this.pglite.close());
    } finally {
      this.lock?.release();
    }
  }
}

function commandOf(sql: string): string {
  const statements = sql.trim().replace(/;\s*$/, '').split(';');
  return (/^\s*(?:WITH\b[\s\S]*?\)\s*)?(\w+)/i.exec(statements[statements.length - 1])?.[1] ?? '').toUpperCase();
}

/** The server database opens sessions of their own; the embedded one has a single connection and none. */
export function hasSessions(db: SqlDatabase): db is SqlDatabase & { session(): Promise<SqlSession> } {
  return db.mode === 'server' && typeof (db as { session?: unknown }).session === 'function';
}

export function isEmbedded(db: SqlDatabase): db is SqlDatabase & { lease(): Promise<EmbeddedLease> } {
  return db.mode === 'embedded' && typeof (db as { lease?: unknown }).lease === 'function';
}
