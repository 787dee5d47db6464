import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore, type SqlDatabase, migrateEventStore, openSqlDatabase } from '@erbm/shared/event-store';
import { type TestDatabase, openTestDatabase } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, openReadModelDataSource } from '@erbm/shared/projections';
import { eventually } from '@erbm/shared/testing';
import { LEDGER_REGISTER } from '@erbm/ledger/read-models';
import { generateOperations, projections } from './testing';
import { forgeCommitment, raiseFirstTotal, raisedTotalBreak } from './tampering';

const ROOT = join(__dirname, '..', '..', '..');

/** `npm run verify` as an operator runs it: a process of its own, on the database its environment names. */
describe(`npm run verify: the read models (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database in a data folder'})`, () => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;
  /** Where each live read model stands, and the head of the log past them. */
  let checkpoints: Record<string, string | null>;
  let head: string | null;

  // On the embedded database the tool opens the data folder itself: the test holds it only between runs of the tool.
  const withDb = async <T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> => {
    const db = database ? database.db : await openSqlDatabase({ dataDir });
    try {
      return await work(db);
    } finally {
      if (!database) await db.close();
    }
  };
  const verify = (...args: string[]) => {
    const run = spawnSync(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'tools/verify.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    return { ...run, json: args.includes('--json') && run.status !== 2 ? JSON.parse(run.stdout) : undefined };
  };

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      database = await openTestDatabase();
      env = { DATABASE_URL: database.url as string };
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'erbm-verify-'));
      env = { DATABASE_URL: '', ERBM_DATA_DIR: dataDir };
    }
    await withDb(async (db) => {
      await migrateEventStore(db);
      const store = new PostgresEventStore(db);
      // A commit is read once every transaction older than it ended, on the server other databases' too: the test
      // waits for its events to be readable before it projects them or counts on them.
      const everyEventReadable = () =>
        eventually(
          async () => {
            const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events');
            expect(await store.countAfter(null)).toBe(n);
          },
          { timeoutMs: 120_000, intervalMs: 100 },
        );
      await generateOperations(store, 12);
      await everyEventReadable();
      for (const p of projections()) {
        const ds = await openReadModelDataSource({ db, databaseUrl: database?.url, schema: p.schema, entities: p.entities, migrations: p.migrations });
        await new ProjectionRunner(p, store, ds).catchUp();
        await ds.destroy();
      }
      checkpoints = {};
      for (const p of projections())
        checkpoints[p.name] = (await db.query<{ checkpoint: string }>(`SELECT checkpoint FROM "${p.schema}".projection_state`))[0].checkpoint;
      // Recorded since: the live read models stand behind the head, as when the projector has not caught up yet.
      await generateOperations(store, 2);
      await everyEventReadable();
      head = await store.head();
    });
  }, 180_000);
  afterAll(async () => {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('an untouched database: exit 0, the read-model section after the log section; the replay stops where the live tables stand', () => {
    const run = verify();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.indexOf('OK: every chain and every seal matches')).toBeLessThan(lines.indexOf('OK: the read models match the rows behind them'));
    expect(lines.at(-1)).toBe('OK: the read models match the rows behind them');

    const replayed = verify('--replay', '--json');
    expect(replayed.status).toBe(0);
    const { readModels } = replayed.json;
    expect(readModels).toMatchObject({ ok: true, breaks: [], breaksFound: 0, notBuilt: [] });
    expect(readModels.checksRun).toBe(projections().reduce((n, p) => n + (p.checks?.length ?? 0), 0));
    expect(readModels.replay).toMatchObject({ ok: true, firstDifference: null });
    expect(readModels.replay.projections.map((p: { projection: string; checkpoint: string }) => [p.projection, p.checkpoint])).toEqual(
      projections().map((p) => [p.name, checkpoints[p.name]]),
    );
    expect(Object.values(checkpoints)).not.toContain(head);
  }, 300_000);

  it('a consolidated total raised by 1,000,000 € in SQL: exit 1, naming the row, the column and both amounts; the log stays OK', async () => {
    const raised = await withDb((db) => raiseFirstTotal(db, 1_000_000_00));
    try {
      const run = verify();
      expect(run.status).toBe(1);
      const keyText = Object.entries(raised.key)
        .map(([c, v]) => `${c}=${v}`)
        .join(', ');
      expect(run.stdout).toContain('OK: every chain and every seal matches');
      expect(run.stdout).toContain(
        `BREAK: ${LEDGER_REGISTER} consolidated_totals (${keyText}) committed: expected ${raised.committed}, found ${raised.committed + 1_000_000_00}`,
      );
      expect(run.stdout.trim().split('\n').at(-2)).toBe('NOT OK: the read models do not match the rows behind them');

      const json = verify('--json');
      expect(json.status).toBe(1);
      expect(json.json.ok).toBe(false);
      expect(json.json.firstBreak).toBeNull();
      expect(json.json.readModels.breaks).toEqual([raisedTotalBreak(raised, 1_000_000_00)]);
    } finally {
      await withDb((db) => raised.undo(db));
    }
  }, 300_000);

  it('a commitment row changed with every row that adds it up: no check sees it, the replay names the row, the column and both amounts', async () => {
    const forged = await withDb((db) => forgeCommitment(db, 5_000_00));
    try {
      expect(verify().status).toBe(0);

      const run = verify('--replay');
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        `  also: ${LEDGER_REGISTER} commitments (id=${forged.id}) committed: live ${forged.committed + 5_000_00}, replayed ${forged.committed}: the live row differs from the one the replay of the log makes (1 row of commitments differs)`,
      );
      expect(run.stdout.trim().split('\n').at(-2)).toBe('NOT OK: the read models do not match the rows behind them and a replay of the log');

      const { readModels } = verify('--replay', '--json').json;
      expect(readModels.ok).toBe(false);
      expect(readModels.breaks).toEqual([]);
      const ledger = readModels.replay.projections.find((p: { projection: string }) => p.projection === LEDGER_REGISTER);
      expect(ledger.differences.map((d: Record<string, unknown>) => [d.table, d.key, d.column, d.live, d.replayed, d.differingRows])).toEqual([
        ['commitment_buckets', forged.bucketKey, 'committed', String(forged.bucketCommitted + 5_000_00), String(forged.bucketCommitted), 1],
        ['commitment_versions', forged.openVersion, 'committed', String(forged.bucketCommitted + 5_000_00), String(forged.bucketCommitted), 1],
        ['commitments', { id: forged.id }, 'committed', String(forged.committed + 5_000_00), String(forged.committed), 1],
        ['consolidated_totals', forged.totalKey, 'committed', String(forged.totalCommitted + 5_000_00), String(forged.totalCommitted), 1],
      ]);
      expect(readModels.replay.firstDifference).toEqual(ledger.differences[0]);
      // The shadow tables are gone.
      const left = await withDb((db) => db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE '%\\_replay\\_%'`));
      expect(left).toEqual([]);
    } finally {
      await withDb((db) => forged.undo(db));
    }
  }, 300_000);
});
