import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PostgresEventStore, migrateEventStore } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, openReadModelDataSource } from '@erbm/shared/projections';
import { dumpReadModels, generateHabitat, projections } from './testing';

const ROOT = join(__dirname, '..', '..', '..');
const rebuild = (url: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'tools/rebuild.ts'), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 120_000 });

// The tool opens the database named by DATABASE_URL: a server one, so that the test can hand it a fresh database.
if (process.env.DATABASE_URL)
  describe('npm run rebuild (PostgreSQL server)', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await openTestDatabase();
      await migrateEventStore(database.db);
      const store = new PostgresEventStore(database.db);
      await generateHabitat(store, 15);
      for (const p of projections()) {
        const ds = await openReadModelDataSource({ db: database.db, databaseUrl: database.url, schema: p.schema, entities: p.entities, migrations: p.migrations });
        await new ProjectionRunner(p, store, ds).catchUp();
        await ds.destroy();
      }
    });
    afterAll(() => database.drop());

    it('rebuilds every projection with a progress bar and switches to tables equal to the live ones', async () => {
      const query = (sql: string) => database.db.query<Record<string, unknown>>(sql);
      const live = await dumpReadModels(query);
      const run = rebuild(database.url as string, '--projection', 'all');
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(/ledger-register +\[#+\] 100 % [\d\s\u202f]+\/[\d\s\u202f]+ events/);
      expect(run.stderr).toContain('habitat-register: rebuilt from');
      expect(await dumpReadModels(query)).toEqual(live);
    });

    it('refuses an unknown projection with its usage', () => {
      const run = rebuild(database.url as string, '--projection', 'nope');
      expect([run.status, run.stderr.includes('Projections: ledger-register, habitat-register')]).toEqual([2, true]);
    });
  });
