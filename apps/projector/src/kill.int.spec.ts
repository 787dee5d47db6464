import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PostgresEventStore, migrateEventStore } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { eventually } from '@erbm/shared/testing';
import { rebuildProjection } from '@erbm/shared/projections';
import { dumpReadModels, generateHabitat, projections, TOTALS_MISMATCH_SQL } from './testing';

const ROOT = join(__dirname, '..', '..', '..');

// Killing a process that holds connections needs a server; the embedded database belongs to one process.
if (process.env.DATABASE_URL)
  describe('the projector process killed mid-run and restarted (PostgreSQL server)', () => {
    let database: TestDatabase;
    let store: PostgresEventStore;
    let handled = 0;
    const query = (sql: string) => database.db.query<Record<string, unknown>>(sql);

    beforeAll(async () => {
      database = await openTestDatabase();
      await migrateEventStore(database.db);
      store = new PostgresEventStore(database.db);
      await generateHabitat(store, 120);
    }, 120_000);
    afterAll(() => database.drop());

    function startProjector(): ChildProcess {
      return spawn(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'apps/projector/src/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: database.url, PORT: '0', ERBM_PROJECTOR_BATCH_SIZE: '4', ERBM_JWT_SECRET: 'kill-test-secret', NODE_OPTIONS: '' },
        stdio: 'ignore',
      });
    }

    const applied = async () => {
      const rows = await query(`SELECT coalesce(sum(events_applied), 0)::int AS n FROM (SELECT events_applied FROM rm_ledger.projection_state UNION ALL SELECT events_applied FROM rm_habitat.projection_state) s`).catch(() => [{ n: 0 }]);
      return Number(rows[0].n);
    };

    async function kill(child: ChildProcess): Promise<void> {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }

    it('loses and duplicates nothing', async () => {
      for (const p of projections()) {
        const [{ n }] = await query(`SELECT count(*)::int AS n FROM event_store.events WHERE type = ANY('{${[...p.handles].join(',')}}'::text[])`);
        handled += Number(n);
      }
      // Killed three times while it is busy applying batches, then left to finish.
      let last = 0;
      for (const share of [0.15, 0.4, 0.7]) {
        const child = startProjector();
        await eventually(async () => expect(await applied()).toBeGreaterThan(Math.max(last, handled * share)), { timeoutMs: 60_000, intervalMs: 20 });
        await kill(child);
        last = await applied();
        expect(last).toBeLessThan(handled);
      }
      const child = startProjector();
      try {
        await eventually(async () => expect(await applied()).toBe(handled), { timeoutMs: 90_000, intervalMs: 100 });
      } finally {
        await kill(child);
      }
      const head = await store.head();
      const checkpoints = await query(`SELECT checkpoint FROM rm_ledger.projection_state UNION ALL SELECT checkpoint FROM rm_habitat.projection_state`);
      expect(checkpoints.map((c) => c.checkpoint)).toEqual([head, head]);
      expect(await query(TOTALS_MISMATCH_SQL)).toEqual([]);
      const afterKills = await dumpReadModels(query);
      for (const p of projections()) await rebuildProjection(p, store, { db: database.db, databaseUrl: database.url });
      expect(await dumpReadModels(query)).toEqual(afterKills);
    }, 240_000);
  });
