import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore, migrateEventStore, openSqlDatabase, type SqlDatabase } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { dumpReadModels, eventually, logSettled } from '@erbm/shared/testing';
import { ProjectionRunner, openReadModelDataSource, rebuildProjection } from '@erbm/shared/projections';
import { generateOperations, projections, TOTALS_MISMATCH_SQL } from './testing';

const ROOT = join(__dirname, '..', '..', '..');
const NAMES = projections().map((p) => p.name);
/** The columns asked of every projection's checkpoint row, each in its own schema. */
const everyProjectionState = (column: string) =>
  projections()
    .map((p) => `SELECT ${column} FROM "${p.schema}".projection_state`)
    .join(' UNION ALL ');

/** The tools and the projector run as processes of their own, on the database their environment names. */
describe(`npm run rebuild (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database in a data folder'})`, () => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  let db: SqlDatabase;
  let live: Record<string, unknown[]>;

  // On the embedded database the tool opens the data folder itself, so this test closes it while the tool runs.
  const open = async () => (database ? database.db : openSqlDatabase({ dataDir }));
  const close = async (d: SqlDatabase) => {
    if (!database) await d.close();
  };
  const rebuild = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'tools/rebuild.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      // Only a tool that hangs gets here: the test's own bound (Jest's) cannot fire while spawnSync holds the process.
      timeout: 240_000,
    });

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      database = await openTestDatabase();
      env = { DATABASE_URL: database.url as string };
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'erbm-rebuild-'));
      env = { DATABASE_URL: '', ERBM_DATA_DIR: dataDir };
    }
    db = await open();
    await migrateEventStore(db);
    const store = new PostgresEventStore(db);
    await generateOperations(store, 15);
    // The live tables up to every event above: the log shows them all once settled (see logSettled).
    await logSettled(db);
    for (const p of projections()) {
      const ds = await openReadModelDataSource({ db, databaseUrl: database?.url, schema: p.schema, entities: p.entities, migrations: p.migrations });
      await new ProjectionRunner(p, store, ds).catchUp();
      await ds.destroy();
    }
    live = await dumpReadModels(projections(), (sql) => db.query<Record<string, unknown>>(sql));
    await close(db);
  });
  afterAll(async () => {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('rebuilds every projection with a progress bar and switches to tables equal to the live ones', async () => {
    const run = rebuild('--projection', 'all');
    expect(run.status).toBe(0);
    for (const name of NAMES) {
      expect(run.stderr).toMatch(new RegExp(`${name} +\\[#+\\] 100 % [\\d\\s\\u202f]+/[\\d\\s\\u202f]+ events`));
      expect(run.stderr).toContain(`${name}: rebuilt from`);
    }
    const d = await open();
    try {
      expect(await dumpReadModels(projections(), (sql) => d.query<Record<string, unknown>>(sql))).toEqual(live);
    } finally {
      await close(d);
    }
  });

  it('refuses an unknown projection with its usage', () => {
    const run = rebuild('--projection', 'nope');
    expect([run.status, run.stderr.includes(`Projections: ${NAMES.join(', ')}`)]).toEqual([2, true]);
  });
});

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
    });
    afterAll(() => database.drop());

    function startProjector(): ChildProcess {
      return spawn(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'apps/projector/src/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: database.url, PORT: '0', ERBM_PROJECTOR_BATCH_SIZE: '4', ERBM_JWT_SECRET: 'kill-test-secret', NODE_OPTIONS: '' },
        stdio: 'ignore',
      });
    }

    /** Events in the log of the types some projection handles, counted once per projection that handles them. */
    const handledEvents = async () => {
      let n = 0;
      for (const p of projections()) {
        const [row] = await query(`SELECT count(*)::int AS n FROM event_store.events WHERE type = ANY('{${[...p.handles].join(',')}}'::text[])`);
        n += Number(row.n);
      }
      return n;
    };

    const applied = async () => {
      const rows = await query(`SELECT coalesce(sum(events_applied), 0)::int AS n FROM (${everyProjectionState('events_applied')}) s`).catch(() => [{ n: 0 }]);
      return Number(rows[0].n);
    };

    async function kill(child: ChildProcess): Promise<void> {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }

    it('loses and duplicates nothing', async () => {
      // Killed three times while it is busy applying batches, then left to finish. The log is written in four parts, one
      // before each run: a run killed as soon as it has applied something always leaves work behind it, however fast it
      // went, since the last part is not written yet.
      let last = 0;
      for (const operations of [30, 30, 30]) {
        await generateOperations(store, operations);
        const written = await handledEvents();
        const child = startProjector();
        await eventually(async () => expect(await applied()).toBeGreaterThan(last), { intervalMs: 20 });
        await kill(child);
        last = await applied();
        // Never more than was written: no batch was applied twice.
        expect(last).toBeLessThanOrEqual(written);
      }
      await generateOperations(store, 30);
      handled = await handledEvents();
      expect(last).toBeLessThan(handled);
      const child = startProjector();
      try {
        await eventually(async () => expect(await applied()).toBe(handled), { intervalMs: 100 });
        // Every projection at the head of the log, past the events of types it does not handle too.
        await logSettled(database.db);
        const head = await store.head();
        await eventually(async () => {
          const checkpoints = await query(everyProjectionState('projection, checkpoint'));
          expect(Object.fromEntries(checkpoints.map((c) => [c.projection, c.checkpoint]))).toEqual(Object.fromEntries(NAMES.map((name) => [name, head])));
        });
      } finally {
        await kill(child);
      }
      expect(await query(TOTALS_MISMATCH_SQL)).toEqual([]);
      const afterKills = await dumpReadModels(projections(), query);
      for (const p of projections()) await rebuildProjection(p, store, { db: database.db, databaseUrl: database.url });
      expect(await dumpReadModels(projections(), query)).toEqual(afterKills);
      // Four starts of a process: minutes on a machine busy with other work; the bound only catches a hang.
    }, 900_000);
  });
