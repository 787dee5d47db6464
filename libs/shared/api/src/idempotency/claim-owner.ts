import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type SqlDatabase, type SqlSession, hasSessions } from '@erbm/shared/event-store';
import { SQL_DATABASE } from '../event-store.module';

/**
 * This process as the owner of the Idempotency-Keys it is running: a claim lives exactly as long as its request, with
 * no clock. The process takes a random id; on a PostgreSQL server it holds a session-level advisory lock on that id
 * on a connection of its own, which the server releases the moment the process dies and its connection closes. So a
 * claim whose owner's lock can be taken belongs to a process that no longer runs. The embedded database is opened by
 * one process at a time: a claim there is live only if this very process is running it.
 */
@Injectable()
export class ClaimOwner implements OnApplicationShutdown {
  /** A random int8, as text (PGlite and pg disagree on how they return int8, so it is only ever compared in SQL). */
  readonly id = randomBytes(8).readBigInt64BE().toString();
  /** The keys this process is running now ("user\0key"). */
  private readonly running = new Set<string>();
  private session: Promise<SqlSession> | undefined;
  private closed = false;

  constructor(@Inject(SQL_DATABASE) private readonly db: SqlDatabase) {}

  /**
   * Marks the key as run by this process, unless it already is: two requests of one process with the same key are
   * told apart here, before any SQL, so that the second never mistakes the first's claim for a stale one.
   */
  start(runKey: string): boolean {
    if (this.running.has(runKey)) return false;
    this.running.add(runKey);
    return true;
  }

  finish(runKey: string): void {
    this.running.delete(runKey);
  }

  /**
   * Holds the process's lock before it claims anything. A lost connection (the server restarted, the network broke)
   * is replaced at the next claim; meanwhile another process may take over a claim of this one, which the key-derived
   * event ids make harmless (the second run finds the first one's events and answers the same).
   */
  async ready(): Promise<void> {
    if (!hasSessions(this.db) || this.closed) return;
    this.session ??= this.lock(this.db);
    await this.session;
  }

  /**
   * SQL that is true when the claim's owner (column `owner`) runs it no more, for a key this process is not running
   * (see `start`): released (NULL), this process's own, or a process whose lock is free, so dead. `meParam` is the SQL
   * parameter that holds this process's id.
   */
  staleOwner(meParam: string): string {
    if (!hasSessions(this.db)) return 'TRUE';
    return `(owner IS NULL OR owner = ${meParam} OR pg_try_advisory_xact_lock(owner))`;
  }

  private async lock(db: SqlDatabase & { session(): Promise<SqlSession> }): Promise<SqlSession> {
    let session: SqlSession | undefined;
    try {
      session = await db.session();
      const [{ locked }] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [this.id]);
      if (!locked) throw new Error(`the idempotency owner id ${this.id} is held by another session`);
      const held = session;
      void held.lost.then(() => {
        if (this.closed) return;
        this.session = undefined;
        void held.close().catch(() => undefined);
      });
      return held;
    } catch (error) {
      this.session = undefined;
      await session?.close().catch(() => undefined);
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const session = await this.session?.catch(() => undefined);
    await session?.close().catch(() => undefined);
  }
}
