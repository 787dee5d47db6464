import type { SqlExecutor } from '../index';
import { LOG_HORIZON } from '../postgres/log-horizon';

/**
 * Resolves once every event committed in this database can be read from the global log. Readers of the log stop
 * before the oldest write transaction of this database still running (see LOG_HORIZON): an event committed a moment
 * ago stays hidden while an older one runs (a background process of the test's app, a process the test killed whose
 * session the server has not closed yet). A test that has just written waits for this before it reads the log, catches
 * up a projection, seals or counts a lag; the bound only matters if a transaction never ends.
 */
export async function logSettled(db: SqlExecutor, { timeoutMs = 120_000, intervalMs = 20 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ hidden }] = await db.query<{ hidden: number }>(`SELECT count(*)::int AS hidden FROM event_store.events WHERE transaction_id >= ${LOG_HORIZON}`);
    if (Number(hidden) === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${hidden} committed events still hidden from readers of the log after ${timeoutMs} ms: an older write transaction never ended`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
