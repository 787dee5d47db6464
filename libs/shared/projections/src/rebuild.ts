import type { DataSource } from 'typeorm';
import type { EventStore, SqlDatabase } from '@erbm/shared/event-store';
import { openReadModelDataSource } from './data-source';
import type { Projection } from './projection';
import { type BatchResult, ProjectionRunner } from './runner';

/**
 * A rebuild's batch: larger batches write a row changed several times once per batch, and take more memory. At 20,000
 * the ledger register of a realistic log rebuilds with a peak RSS of about 340 MB when the heap is held to 384 MB, as
 * `npm run rebuild` does (--max-old-space-size=384; without it V8 lets the heap grow to about 550 MB before collecting):
 * see tools/bench/read-models.bench.ts.
 */
export const DEFAULT_BATCH_SIZE = 20_000;

export interface RebuildProgress {
  projection: string;
  eventsRead: number;
  eventsApplied: number;
  /** Events per second since the start. */
  rate: number;
  elapsedSeconds: number;
  done: boolean;
}

export interface RebuildOptions {
  db: SqlDatabase;
  databaseUrl?: string;
  /** Events read and applied per transaction (default 20,000): each row changed in a batch is written once for it. */
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

/**
 * Rebuilds a projection from the start of the log into `<schema>_rebuild` while the live tables keep serving, then
 * swaps the schemas in one transaction. The live runner, which reads its checkpoint from the (renamed) schema at each
 * batch, goes on from the rebuilt checkpoint: events applied to the old schema during the swap are applied again to
 * the new one, never lost.
 */
export async function rebuildProjection(projection: Projection, store: EventStore, options: RebuildOptions): Promise<{ eventsRead: number; seconds: number }> {
  const live = projection.schema;
  const next = `${live}_rebuild`;
  await options.db.query(`DROP SCHEMA IF EXISTS "${next}" CASCADE`);
  const dataSource = await openReadModelDataSource({
    db: options.db,
    databaseUrl: options.databaseUrl,
    schema: next,
    entities: projection.entities,
    migrations: projection.migrations,
  });
  const started = Date.now();
  let eventsRead = 0;
  let eventsApplied = 0;
  const report = (done: boolean) => {
    const elapsedSeconds = (Date.now() - started) / 1000;
    options.onProgress?.({
      projection: projection.name,
      eventsRead,
      eventsApplied,
      rate: elapsedSeconds > 0 ? eventsRead / elapsedSeconds : 0,
      elapsedSeconds,
      done,
    });
  };
  try {
    const runner = new ProjectionRunner(projection, store, dataSource, { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, asynchronousCommit: true });
    await runner.catchUp((batch: BatchResult) => {
      eventsRead += batch.read;
      eventsApplied += batch.applied;
      report(false);
    });
    await swap(dataSource, live, next);
    report(true);
  } catch (error) {
    // Nothing of a failed rebuild is left behind: the live tables were never touched.
    await dataSource.query(`DROP SCHEMA IF EXISTS "${next}" CASCADE`).catch(() => undefined);
    throw error;
  } finally {
    await dataSource.destroy();
  }
  return { eventsRead, seconds: (Date.now() - started) / 1000 };
}

async function swap(dataSource: DataSource, live: string, next: string): Promise<void> {
  const old = `${live}_old`;
  await dataSource.transaction(async (manager) => {
    const [{ exists }] = await manager.query(`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists`, [live]);
    await manager.query(`DROP SCHEMA IF EXISTS "${old}" CASCADE`);
    if (exists) {
      // Waits for a live batch in flight to commit, and keeps the next one out until the swap is done.
      await manager.query(`LOCK TABLE "${live}".projection_state IN ACCESS EXCLUSIVE MODE`);
      await manager.query(`ALTER SCHEMA "${live}" RENAME TO "${old}"`);
    }
    await manager.query(`ALTER SCHEMA "${next}" RENAME TO "${live}"`);
  });
  await dataSource.query(`DROP SCHEMA IF EXISTS "${old}" CASCADE`);
}
