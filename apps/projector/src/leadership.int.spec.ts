import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { PostgresEventStore, type StoredEvent, migrateEventStore } from '@erbm/shared/event-store';
import { type Projection, ProjectionRunner, openReadModelDataSource, schemaOf } from '@erbm/shared/projections';
import { type TestDatabase, eventually, openTestDatabase, testEvent } from '@erbm/shared/testing';
import { everyDomain } from '@erbm/domains';
import { generateOperations, projections } from './testing';

/**
 * The projector and the all-in-one process run the projections exclusively: on a server, a session lock per projection
 * keeps a second process on standby; on the embedded database, one process owns the only connection and takes no lock
 * (a lock held there would hold that connection, and everything would wait on it).
 */
describe(`a process that runs the projections exclusively (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database'})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: true, exclusive: true, databaseUrl: database.url }, sgar: false }));
  });
  afterAll(() => t.close());

  it('leads every projection and follows the log', async () => {
    const runners = t.app.get(ReadModels).runners;
    expect(runners.map((r) => r.projection.name).sort()).toEqual(
      projections()
        .map((p) => p.name)
        .sort(),
    );
    await generateOperations(t.store, 2);
    // The app itself may still append (e.g. links it completes after the operations): follow the head as it is now.
    await eventually(
      async () => {
        const head = await t.store.head();
        expect(await Promise.all(runners.map((r) => r.checkpoint()))).toEqual(runners.map(() => head));
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    expect(runners.map((r) => [r.projection.name, r.leader, r.lastError])).toEqual(runners.map((r) => [r.projection.name, true, undefined]));
  });
});

class AppliedTable1732300000000 implements MigrationInterface {
  name = 'AppliedTable1732300000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${schemaOf(q)}.applied (event_id uuid PRIMARY KEY, runner text NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.applied`);
  }
}

/** Writes, in the batch's transaction, which runner applied each event: a row is there only if that runner committed. */
class AttributedProjection implements Projection {
  readonly name = 'leadership';
  readonly schema = 'rm_leadership';
  readonly handles = new Set(['t']);
  readonly entities = [];
  readonly migrations = [AppliedTable1732300000000];
  /** Batches this runner started to apply, committed or not. */
  batches = 0;
  /** When set, the next batch waits inside its transaction until the test lets it go. */
  hold?: { entered: () => void; released: Promise<void> };

  constructor(readonly runner: string) {}

  async apply(events: StoredEvent[], manager: EntityManager): Promise<void> {
    this.batches += 1;
    const hold = this.hold;
    this.hold = undefined;
    if (hold) {
      hold.entered();
      await hold.released;
    }
    for (const e of events) await manager.query(`INSERT INTO rm_leadership.applied (event_id, runner) VALUES ($1, $2)`, [e.id, this.runner]);
  }
}

// Two processes and a session to end need a server; on the embedded database one process holds the only connection.
if (process.env.DATABASE_URL)
  describe('exclusive runners, as two projector processes: one leads, one stands by, and one that lost its lock commits nothing (PostgreSQL server)', () => {
    let database: TestDatabase;
    let store: PostgresEventStore;
    const dataSources: DataSource[] = [];
    const runners: ProjectionRunner[] = [];
    let appended = 0;
    /** Lets a batch held inside its transaction go on; called again on the way out, should an assertion fail first. */
    let releaseHeldBatch = () => undefined as void;
    const query = <Row>(sql: string, params: unknown[] = []) => database.db.query<Row>(sql, params);

    const append = async (count: number) => {
      for (let i = 0; i < count; i++) await store.append(`leadership-${appended++}`, [testEvent('t', { n: appended })], 'no_stream');
    };
    const appliedBy = async () =>
      Object.fromEntries(
        (await query<{ runner: string; n: number }>(`SELECT runner, count(*)::int AS n FROM rm_leadership.applied GROUP BY runner`)).map((r) => [
          r.runner,
          r.n,
        ]),
      );
    /** The backend whose session holds the projection's lock, as PostgreSQL sees it. */
    const lockHolderPid = async () => {
      const rows = await query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND objid::text::bigint = (hashtext($1)::bigint & 4294967295)`,
        ['erbm.projection.leadership'],
      );
      return rows[0]?.pid;
    };
    const runner = async (label: string) => {
      const projection = new AttributedProjection(label);
      const dataSource = await openReadModelDataSource({
        db: database.db,
        databaseUrl: database.url,
        schema: projection.schema,
        entities: [],
        migrations: projection.migrations,
      });
      dataSources.push(dataSource);
      const r = new ProjectionRunner(projection, store, dataSource, { exclusive: true, idleMs: 20 });
      runners.push(r);
      return { runner: r, projection };
    };

    beforeAll(async () => {
      database = await openTestDatabase();
      await migrateEventStore(database.db);
      store = new PostgresEventStore(database.db);
    });
    afterAll(async () => {
      releaseHeldBatch();
      for (const r of runners) await r.stop();
      for (const ds of dataSources) await ds.destroy();
      await database.drop();
    });

    it("the standby takes over when the leader's session is terminated; the old leader's batch in flight fails, and it commits nothing until it leads again", async () => {
      const a = await runner('a');
      const b = await runner('b');
      a.runner.start();
      await eventually(() => expect(a.runner.leader).toBe(true), { timeoutMs: 30_000, intervalMs: 20 });
      const pidOfA = await lockHolderPid();
      b.runner.start();
      await append(3);
      await eventually(async () => expect(await appliedBy()).toEqual({ a: 3 }), { timeoutMs: 30_000, intervalMs: 20 });
      expect([b.runner.leader, b.projection.batches]).toEqual([false, 0]);

      // A batch of the leader waits inside its transaction while its session is terminated.
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      a.projection.hold = { entered, released: new Promise<void>((resolve) => (releaseHeldBatch = resolve)) };
      await append(2);
      await inside;
      await query('SELECT pg_terminate_backend($1)', [pidOfA]);
      // The standby takes the lock; only then does the old leader's batch go on, and try to commit.
      await eventually(async () => expect([await lockHolderPid()]).not.toEqual([pidOfA]), { timeoutMs: 30_000, intervalMs: 20 });
      releaseHeldBatch();
      await eventually(async () => expect(Object.values(await appliedBy()).reduce((sum, n) => sum + n, 0)).toBe(5), { timeoutMs: 30_000, intervalMs: 20 });
      // Its session, and with it its lock, was gone: that batch was committed by the new leader only.
      expect(await appliedBy()).toEqual({ a: 3, b: 2 });
      expect([a.runner.leader, b.runner.leader]).toEqual([false, true]);

      // The old leader stands by: it applies nothing more.
      const batchesOfA = a.projection.batches;
      await append(2);
      await eventually(async () => expect(await appliedBy()).toEqual({ a: 3, b: 4 }), { timeoutMs: 30_000, intervalMs: 20 });
      expect([a.projection.batches, a.runner.leader]).toEqual([batchesOfA, false]);

      // It keeps trying to take the lock back: once the other one stops, it leads and commits again.
      await b.runner.stop();
      await eventually(() => expect(a.runner.leader).toBe(true), { timeoutMs: 30_000, intervalMs: 20 });
      await append(1);
      await eventually(async () => expect(await appliedBy()).toEqual({ a: 4, b: 4 }), { timeoutMs: 30_000, intervalMs: 20 });
      expect(await a.runner.checkpoint()).toBe(await store.head());
    });
  });
