import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { type EventStore, type ReadAllResult, type StoredEvent, unreachableStore } from '@erbm/shared/event-store';
import type { Projection } from './projection';

export interface BatchResult {
  /** Events read from the log (all types). */
  read: number;
  /** Events of the types the projection handles, applied or parked. */
  applied: number;
  parked: number;
  /** The other process moved the checkpoint first: nothing was applied, read again. */
  raced: boolean;
  checkpoint: string | null;
  isEnd: boolean;
}

export interface RunnerOptions {
  batchSize?: number;
  /** Pause when caught up, before looking again. */
  idleMs?: number;
  /**
   * Holds a session advisory lock so that a second process stays on standby (server only), and commits its batches on
   * the session that holds it: a runner whose session was lost can no longer commit anything.
   */
  exclusive?: boolean;
  /**
   * Commits batches without waiting for the WAL flush (`synchronous_commit = off`): for a rebuild, whose tables serve
   * nobody until a swap that is committed synchronously (its flush makes every batch before it durable), and which
   * starts again from zero after a crash.
   */
  asynchronousCommit?: boolean;
}

/**
 * Follows the global log and applies one projection. Each batch commits its read-model changes and the new checkpoint
 * in one transaction, after locking the projection's state row and checking that the checkpoint is still the one the
 * batch was read from: two runners (two processes, or a rebuild and the live one) never apply the same events twice.
 */
export class ProjectionRunner {
  private running = false;
  private loop?: Promise<void>;
  private lockHolder?: QueryRunner;
  private wake?: () => void;
  lastError?: unknown;

  constructor(
    readonly projection: Projection,
    private readonly store: EventStore,
    readonly dataSource: DataSource,
    private readonly options: RunnerOptions = {},
  ) {}

  /** Whether this runner may commit batches: always, unless exclusive; then while the session holding the lock lives. */
  get leader(): boolean {
    return !this.options.exclusive || (this.lockHolder !== undefined && !this.lockHolder.isReleased);
  }

  private get schema(): string {
    return `"${(this.dataSource.options as { schema: string }).schema}"`;
  }

  /**
   * Where the projection stands in the store's log. A checkpoint of another log (another store, another database) is
   * refused: `CheckpointOfAnotherLogError`, until a rebuild. One written before checkpoints were tagged belongs to the
   * store that runs now (ADR 0013), which tags it here.
   */
  async checkpoint(): Promise<string | null> {
    const rows: { checkpoint: string | null; log_id: string | null }[] = await this.dataSource.query(
      `SELECT checkpoint, log_id FROM ${this.schema}.projection_state WHERE projection = $1`,
      [this.projection.name],
    );
    const row = rows[0];
    if (!row || row.checkpoint === null) return null;
    const log = await logOf(this.store);
    if (row.log_id === log) return row.checkpoint;
    if (row.log_id !== null) throw new CheckpointOfAnotherLogError(this.projection.name, row.log_id, log);
    await this.dataSource.query(`UPDATE ${this.schema}.projection_state SET log_id = $2 WHERE projection = $1 AND log_id IS NULL`, [this.projection.name, log]);
    return row.checkpoint;
  }

  /** Reads one page after the stored checkpoint and applies it. */
  async runOnce(): Promise<BatchResult> {
    const from = await this.checkpoint();
    return this.applyPage(from, await this.readPage(from));
  }

  /**
   * A page of the log that ends where a write (an append: the events of one `appendId`) ends: a full page gives back
   * the events of its last write, read again at the next batch, and a write larger than a page is read to its end. So
   * every checkpoint a projection stands at lies between two writes, and a projection may treat the events of one
   * write as one change (the ledger register keeps one version per commitment and write). A page that holds `until`
   * ends there: `until` is a checkpoint another runner stands at, which lies between two writes.
   */
  private async readPage(from: string | null, until?: string | null): Promise<ReadAllResult> {
    const page = await this.readWholeWrites(from);
    const at = until === undefined ? -1 : page.events.findIndex((e) => e.position === until);
    return at < 0 ? page : { events: page.events.slice(0, at + 1), checkpoint: until as string, isEnd: true };
  }

  private async readWholeWrites(from: string | null): Promise<ReadAllResult> {
    const page = await this.store.readAll(from, this.batchSize);
    if (page.isEnd || page.events.length === 0) return page;
    const last = page.events[page.events.length - 1].appendId;
    let cut = page.events.length - 1;
    while (cut >= 0 && page.events[cut].appendId === last) cut -= 1;
    if (cut >= 0) return { events: page.events.slice(0, cut + 1), checkpoint: page.events[cut].position, isEnd: false };
    const events = [...page.events];
    for (let more = page; !more.isEnd;) {
      more = await this.store.readAll(more.checkpoint, this.batchSize);
      const end = more.events.findIndex((e) => e.appendId !== last);
      if (end >= 0) {
        events.push(...more.events.slice(0, end));
        return { events, checkpoint: events[events.length - 1].position, isEnd: false };
      }
      events.push(...more.events);
    }
    return { events, checkpoint: events[events.length - 1].position, isEnd: true };
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 2_000;
  }

  /** Applies a page read from `from`; nothing when another process moved the checkpoint meanwhile (`raced`). */
  private async applyPage(from: string | null, page: ReadAllResult): Promise<BatchResult> {
    const events = page.events.filter((e) => this.projection.handles.has(e.type));
    if (page.events.length === 0) return { read: 0, applied: 0, parked: 0, raced: false, checkpoint: from, isEnd: true };
    const last = page.events[page.events.length - 1];
    // Asked before the transaction: on the embedded database a read of the store inside it would wait for it.
    const log = await logOf(this.store);
    // A batch that fails as a whole (a database error) is applied again event by event, to park just the poisoned ones;
    // not when the database or the lock is gone: nothing could be applied, and nothing is poisoned.
    const outcome = await this.commit(from, page.checkpoint, log, last, events).catch((error: unknown) => {
      if (!this.leader || unreachableStore(error)) throw error;
      return this.commitOneByOne(from, page.checkpoint, log, last, events);
    });
    return { read: page.events.length, ...outcome, checkpoint: outcome.raced ? from : page.checkpoint, isEnd: page.isEnd };
  }

  /**
   * An exclusive runner's batch runs on the session that holds the lock: it commits only if that session still lives,
   * so still holds the lock (a session lock ends with its session and nothing else here unlocks it before `stop`).
   * A runner whose session was terminated while it applied a batch fails on commit, and the standby that took the
   * lock over, waiting on the projection's row until then, is the only one that commits: a fencing, with no token.
   */
  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.options.exclusive) return this.dataSource.transaction(work);
    if (!this.leader) return Promise.reject(new LeadershipLost(this.projection.name));
    return (this.lockHolder as QueryRunner).manager.transaction(work);
  }

  private async commit(from: string | null, to: string | null, log: string, last: StoredEvent, events: StoredEvent[]) {
    return this.transaction(async (manager) => {
      if (this.options.asynchronousCommit) await manager.query('SET LOCAL synchronous_commit = off');
      if (!(await this.claim(manager.query.bind(manager), from, log))) return { applied: 0, parked: 0, raced: true };
      const parked: { event: StoredEvent; error: unknown }[] = [];
      await this.projection.apply(events, manager, (event, error) => parked.push({ event, error }));
      await this.park(manager.query.bind(manager), parked);
      await this.advance(manager.query.bind(manager), to, log, last, events.length);
      return { applied: events.length - parked.length, parked: parked.length, raced: false };
    });
  }

  private async commitOneByOne(from: string | null, to: string | null, log: string, last: StoredEvent, events: StoredEvent[]) {
    return this.transaction(async (manager) => {
      const query = manager.query.bind(manager);
      if (!(await this.claim(query, from, log))) return { applied: 0, parked: 0, raced: true };
      const parked: { event: StoredEvent; error: unknown }[] = [];
      for (const event of events) {
        await query('SAVEPOINT projection_event');
        try {
          await this.projection.apply([event], manager, (e, error) => parked.push({ event: e, error }));
          await query('RELEASE SAVEPOINT projection_event');
        } catch (error) {
          await query('ROLLBACK TO SAVEPOINT projection_event');
          parked.push({ event, error });
        }
      }
      await this.park(query, parked);
      await this.advance(query, to, log, last, events.length);
      return { applied: events.length - parked.length, parked: parked.length, raced: false };
    });
  }

  /**
   * Locks the projection's row; true when it still stands where the batch was read from, in the same log (a swap by a
   * rebuild on another store changes both): otherwise the batch is not applied, and the next read of the checkpoint
   * says why.
   */
  private async claim(query: (sql: string, params?: unknown[]) => Promise<unknown>, from: string | null, log: string): Promise<boolean> {
    await query(`INSERT INTO ${this.schema}.projection_state (projection) VALUES ($1) ON CONFLICT DO NOTHING`, [this.projection.name]);
    const rows = (await query(`SELECT checkpoint, log_id FROM ${this.schema}.projection_state WHERE projection = $1 FOR UPDATE`, [this.projection.name])) as {
      checkpoint: string | null;
      log_id: string | null;
    }[];
    const row = rows[0];
    return (row?.checkpoint ?? null) === from && (from === null || row?.log_id === null || row?.log_id === log);
  }

  private async advance(
    query: (sql: string, params?: unknown[]) => Promise<unknown>,
    to: string | null,
    log: string,
    last: StoredEvent,
    applied: number,
  ): Promise<void> {
    await query(
      `UPDATE ${this.schema}.projection_state SET checkpoint = $2, log_id = $5, events_applied = events_applied + $3, last_recorded_at = $4, updated_at = now() WHERE projection = $1`,
      [this.projection.name, to, applied, last.recordedAt, log],
    );
  }

  private async park(query: (sql: string, params?: unknown[]) => Promise<unknown>, parked: { event: StoredEvent; error: unknown }[]): Promise<void> {
    for (const { event, error } of parked)
      await query(
        `INSERT INTO ${this.schema}.parked_events (event_id, position, stream_name, revision, type, error) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
        [event.id, event.position, event.streamName, event.revision, event.type, error instanceof Error ? error.message : String(error)],
      );
  }

  /**
   * Runs batches until the head of the log, or until the checkpoint `until` (another runner's: a replay compared with
   * it stops where it stands), and returns the checkpoint reached: not `until` when the log has no such position after
   * the start. While a full page is applied, the next one is read (the log behind a position never changes); it is
   * applied only if the checkpoint is still where it starts, as any batch. A short page is not taken from a read made
   * during a batch: the end of the log is always decided by a read made between batches.
   */
  async catchUp(onBatch?: (result: BatchResult) => void, options: { until?: string | null } = {}): Promise<string | null> {
    const { until } = options;
    let from = await this.checkpoint();
    if (until !== undefined && from === until) return from;
    let reading = this.readPage(from, until);
    for (;;) {
      const page = await reading;
      let next: Promise<ReadAllResult> | undefined;
      if (!page.isEnd) {
        next = this.readPage(page.checkpoint, until);
        // Awaited below, or dropped: an error of a dropped read must not surface as an unhandled rejection.
        next.catch(() => undefined);
      }
      const result = await this.applyPage(from, page);
      onBatch?.(result);
      if (result.isEnd && !result.raced) return result.checkpoint;
      const prefetched = next && !result.raced ? await next.catch(() => undefined) : undefined;
      if (prefetched && !prefetched.isEnd) {
        from = page.checkpoint;
        reading = Promise.resolve(prefetched);
      } else {
        from = await this.checkpoint();
        if (until !== undefined && from === until) return from;
        reading = this.readPage(from, until);
      }
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Follows the log until stopped; errors are kept in `lastError` and retried after a pause. An exclusive runner that
   * loses its lock (its session ended: the database restarted, the connection was cut, the session was terminated)
   * stops committing at once and tries to take the lock again before every batch, as a standby does.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          if (this.options.exclusive && !(await this.holdLock())) {
            // On standby: nothing is wrong with this runner.
            this.lastError = undefined;
            await this.pause(1_000);
            continue;
          }
          const result = await this.runOnce();
          this.lastError = undefined;
          if (result.isEnd) await this.pause(this.options.idleMs ?? 200);
        } catch (error) {
          this.lastError = error instanceof LeadershipLost ? undefined : error;
          await this.pause(1_000);
        }
      }
    })();
  }

  /** Wakes a runner waiting for new events (the process that appended knows at once). */
  poke(): void {
    this.wake?.();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Whether this runner holds the lock, taking it if it is free. A session that ended took its lock with it: TypeORM
   * releases a query runner whose connection fails, which `leader` sees.
   */
  private async holdLock(): Promise<boolean> {
    if (this.leader) return true;
    this.lockHolder = undefined;
    const runner = this.dataSource.createQueryRunner();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [`erbm.projection.${this.projection.name}`]);
      if (locked) this.lockHolder = runner;
      else await runner.release();
      return locked;
    } catch (error) {
      await runner.release();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
    if (this.lockHolder && !this.lockHolder.isReleased) {
      await this.lockHolder.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`erbm.projection.${this.projection.name}`]).catch(() => undefined);
      await this.lockHolder.release();
      this.lockHolder = undefined;
    }
  }
}

/** The name of the log the store keeps (`EventStore.logId`), which a projection's checkpoint is tagged with. */
export async function logOf(store: EventStore): Promise<string> {
  const name = await store.logId?.();
  if (!name) throw new Error("the event store does not name its log (EventStore.logId): a checkpoint of it could not be told from another log's");
  return name;
}

/**
 * A projection's checkpoint is a position of another log than the store's (the store was changed, or pointed at
 * another database or cluster, without rebuilding the projections): resuming from it would skip or repeat events at
 * random, so the projection does not run until it is rebuilt.
 */
export class CheckpointOfAnotherLogError extends Error {
  override readonly name = 'CheckpointOfAnotherLogError';
  constructor(
    readonly projection: string,
    /** The log the checkpoint is a position of. */
    readonly checkpointLog: string,
    /** The log of the store that runs now. */
    readonly storeLog: string,
  ) {
    super(
      `La projection ${projection} s'est arrêtée à une position du magasin d'événements « ${checkpointLog} », mais le magasin en service est « ${storeLog} » : reprendre depuis cette position n'aurait pas de sens, elle ne tourne pas. Reconstruisez ses vues depuis le magasin en service : npm run rebuild -- --projection ${projection} (ou --projection all).`,
    );
  }
}

/** An exclusive runner asked to commit without holding its projection's lock. */
export class LeadershipLost extends Error {
  override readonly name = 'LeadershipLost';
  constructor(readonly projection: string) {
    super(`projection ${projection}: this runner no longer holds the projection's lock; another one may be projecting`);
  }
}
