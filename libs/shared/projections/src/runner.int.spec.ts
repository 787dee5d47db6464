import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type EventStore, PostgresEventStore, type StoredEvent, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, type TestEventStore, logSettled, openTestDatabase, openTestEventStore, testEvent } from '@erbm/shared/event-store/testing';
import { openReadModelDataSource } from './data-source';
import type { Projection } from './projection';
import { rebuildProjection } from './rebuild';
import { replayReadModels } from './replay';
import { CheckpointOfAnotherLogError, ProjectionRunner } from './runner';
import { projectionStatus } from './status';

/** This run's event type: the log may hold other runs' events (EventStoreDB). */
const TYPE = `runner-test.${randomUUID()}`;

/** Records the batches it is given: nothing else. */
class RecordingProjection implements Projection {
  readonly name = 'recording';
  readonly schema = 'rm_recording';
  readonly handles = new Set([TYPE]);
  readonly entities = [];
  readonly migrations = [];
  readonly batches: StoredEvent[][] = [];
  async apply(events: StoredEvent[]): Promise<void> {
    this.batches.push(events);
  }
}

/**
 * On the store `openTestEventStore` opens: PostgreSQL, or EventStoreDB when EVENTSTORE_CONNECTION_STRING is set. There
 * the log may already hold events: the runners start from the head read before this file writes, and nobody else may
 * write meanwhile (npm run test:eventstoredb runs on a server of its own).
 */
describe(`projection runner: pages end where an append ends (${process.env.EVENTSTORE_CONNECTION_STRING ? 'EventStoreDB' : 'PostgreSQL'} event store)`, () => {
  let database: TestDatabase;
  let opened: TestEventStore;
  let store: EventStore;
  let dataSource: DataSource;
  /** Where the log stood before this file wrote. */
  let before: string | null;
  /** Appends of these sizes; 9 is larger than the runner's page. */
  const APPENDS = [3, 5, 2, 9, 1, 4];
  const run = randomUUID();

  beforeAll(async () => {
    database = await openTestDatabase();
    opened = await openTestEventStore(database);
    store = opened.store;
    await opened.settled();
    before = await store.head();
    for (const [i, size] of APPENDS.entries())
      await store.append(
        `runner-${run}-${i}`,
        Array.from({ length: size }, (_, n) => testEvent(TYPE, { append: i, n })),
        'no_stream',
      );
    // The runner reads the log as its readers see it: every append above, once settled (see logSettled).
    await opened.settled();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await opened?.close();
    await database.drop();
  });

  /** A runner of a projection whose checkpoint is where the log stood before this file wrote. */
  async function runnerFrom(projection: Projection, on: DataSource) {
    const schema = (on.options as { schema: string }).schema;
    await on.query(`INSERT INTO "${schema}".projection_state (projection, checkpoint) VALUES ($1, $2)`, [projection.name, before]);
    return new ProjectionRunner(projection, store, on, { batchSize: 4 });
  }

  it('never splits an append between two batches, reads one larger than a page whole, and loses nothing', async () => {
    const projection = new RecordingProjection();
    dataSource = await openReadModelDataSource({ db: database.db, databaseUrl: database.url, schema: projection.schema, entities: [], migrations: [] });
    const runner = await runnerFrom(projection, dataSource);
    const checkpoints: (string | null)[] = [];
    await runner.catchUp((batch) => checkpoints.push(batch.checkpoint));

    const appendOf = (e: StoredEvent) => (e.data as { append: number }).append;
    // Every batch holds whole appends: each append's events sit in one batch, in order.
    const sizes = projection.batches.map((b) => [...new Set(b.map(appendOf))].map((a) => b.filter((e) => appendOf(e) === a).length));
    expect(sizes.flat()).toEqual(APPENDS);
    // Pages of 4: an append that does not fit waits for the next batch; one larger than a page is read to its end.
    expect(projection.batches.map((b) => b.length)).toEqual([3, 5, 2, 9, 1, 4]);
    // The checkpoint after each batch is the last event of an append: no reader ever stands inside one.
    const lastOfAppend = new Set(
      projection.batches
        .flat()
        .filter((e, i, all) => all[i + 1] === undefined || all[i + 1].appendId !== e.appendId)
        .map((e) => e.position),
    );
    for (const c of checkpoints) expect(lastOfAppend.has(c as string)).toBe(true);
    expect(projection.batches.flat().map((e) => (e.data as { n: number }).n)).toEqual(APPENDS.flatMap((size) => [...Array(size).keys()]));
    expect(await runner.checkpoint()).toBe(await store.head());
  });

  it('stops where another runner stands (`until`), and says where it is when the log has no such position', async () => {
    const projection = new RecordingProjection();
    const other = await openReadModelDataSource({ db: database.db, databaseUrl: database.url, schema: 'rm_recording_until', entities: [], migrations: [] });
    try {
      const runner = await runnerFrom(projection, other);
      // A commit is read once every older transaction ended, other databases' too on a server: wait for every append
      // (polled here: @erbm/shared/testing's `eventually` imports this library).
      const appended = APPENDS.reduce((n, size) => n + size, 0);
      const deadline = Date.now() + 120_000;
      let all = (await store.readAll(before, 100)).events;
      while (all.length < appended && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        all = (await store.readAll(before, 100)).events;
      }
      expect(all.length).toBe(appended);
      const ends = all.filter((e, i) => all[i + 1]?.appendId !== e.appendId).map((e) => e.position);
      // The end of the third append: three appends, read in pages of 4, whatever lies after.
      expect(await runner.catchUp(undefined, { until: ends[2] })).toBe(ends[2]);
      expect(projection.batches.flat().length).toBe(APPENDS[0] + APPENDS[1] + APPENDS[2]);
      expect(await runner.checkpoint()).toBe(ends[2]);
      expect(await runner.catchUp(undefined, { until: ends[2] })).toBe(ends[2]);
      expect(projection.batches.flat().length).toBe(APPENDS[0] + APPENDS[1] + APPENDS[2]);
      // A position behind the runner is not met again: it reads to the head and says so.
      expect(await runner.catchUp(undefined, { until: ends[0] })).toBe(await store.head());
    } finally {
      await other.destroy();
    }
  }, 180_000);
});

/**
 * Two PostgreSQL event stores (two databases: two logs whose positions look alike) and the read models of the first
 * database: a projection built from one log refuses to go on from the other until it is rebuilt.
 */
describe('projection runner: a checkpoint is a position of one log', () => {
  let database: TestDatabase;
  let otherDatabase: TestDatabase;
  let store: PostgresEventStore;
  let other: PostgresEventStore;
  let dataSource: DataSource;
  const projection = new RecordingProjection();
  const state = async () =>
    (
      await database.db.query<{ checkpoint: string | null; log_id: string | null; events_applied: string }>(
        `SELECT checkpoint, log_id, events_applied::text FROM rm_recording.projection_state`,
      )
    )[0];

  beforeAll(async () => {
    database = await openTestDatabase();
    otherDatabase = await openTestDatabase();
    for (const db of [database.db, otherDatabase.db]) await migrateEventStore(db);
    store = new PostgresEventStore(database.db);
    other = new PostgresEventStore(otherDatabase.db);
    await store.append('tagged-a', [testEvent(TYPE, { n: 1 }), testEvent(TYPE, { n: 2 })], 'no_stream');
    await other.append('tagged-b', [testEvent(TYPE, { n: 1 }), testEvent(TYPE, { n: 2 }), testEvent(TYPE, { n: 3 })], 'no_stream');
    await logSettled(database.db);
    await logSettled(otherDatabase.db);
    dataSource = await openReadModelDataSource({ db: database.db, databaseUrl: database.url, schema: projection.schema, entities: [], migrations: [] });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
    await otherDatabase.drop();
  });

  it('tags the checkpoint with the log it is a position of, and refuses to resume from it on another log, loudly and changing nothing', async () => {
    const runner = new ProjectionRunner(projection, store, dataSource);
    const reached = await runner.catchUp();
    expect(await state()).toEqual({ checkpoint: reached, log_id: await store.logId(), events_applied: '2' });

    const elsewhere = new ProjectionRunner(projection, other, dataSource);
    const refused = await elsewhere.catchUp().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CheckpointOfAnotherLogError);
    const message = (refused as Error).message;
    expect(message).toContain(`« ${await store.logId()} »`);
    expect(message).toContain(`« ${await other.logId()} »`);
    expect(message).toContain('npm run rebuild -- --projection recording');
    await expect(elsewhere.runOnce()).rejects.toBeInstanceOf(CheckpointOfAnotherLogError);
    expect(projection.batches.flat()).toHaveLength(2);
    expect(await state()).toEqual({ checkpoint: reached, log_id: await store.logId(), events_applied: '2' });

    // Its status says why, and measures no lag from a position that means nothing in that log.
    const status = await projectionStatus(projection.name, dataSource, other);
    expect(status).toMatchObject({ checkpoint: reached, checkpointLog: await store.logId(), lagEvents: null, lagSeconds: null, refusal: message });
    expect((await projectionStatus(projection.name, dataSource, store)).refusal).toBeNull();
    // A replay of the other log cannot stand where the live tables stand: the verification says so.
    const replay = await replayReadModels([projection], other, { db: database.db, databaseUrl: database.url });
    expect(replay.ok).toBe(false);
    expect(replay.firstDifference).toMatchObject({ table: 'projection_state', column: 'log_id', live: await store.logId(), replayed: await other.logId() });
  });

  it('a checkpoint written before checkpoints were tagged belongs to the store that runs now, which tags it for good', async () => {
    const { checkpoint } = await state();
    // A schema as it was before: no column for the tag, and its migration never run.
    await database.db.query(`ALTER TABLE rm_recording.projection_state DROP COLUMN log_id`);
    await database.db.query(`DELETE FROM rm_recording.typeorm_migrations WHERE name = 'ProjectionStateLog1732200000100'`);
    await dataSource.destroy();
    dataSource = await openReadModelDataSource({ db: database.db, databaseUrl: database.url, schema: projection.schema, entities: [], migrations: [] });
    expect(await state()).toMatchObject({ checkpoint, log_id: null });
    expect(await new ProjectionRunner(projection, store, dataSource).checkpoint()).toBe(checkpoint);
    expect(await state()).toMatchObject({ checkpoint, log_id: await store.logId() });
    await expect(new ProjectionRunner(projection, other, dataSource).checkpoint()).rejects.toBeInstanceOf(CheckpointOfAnotherLogError);
  });

  it('a rebuild from the other log resets the tag: the projection then runs on that log, and refuses the first', async () => {
    projection.batches.length = 0;
    await rebuildProjection(projection, other, { db: database.db, databaseUrl: database.url });
    expect(projection.batches.flat().map((e) => e.streamName)).toEqual(['tagged-b', 'tagged-b', 'tagged-b']);
    const rebuilt = await state();
    expect(rebuilt).toEqual({ checkpoint: await other.head(), log_id: await other.logId(), events_applied: '3' });
    // The live data source reads the swapped schema by name.
    expect(await new ProjectionRunner(projection, other, dataSource).catchUp()).toBe(rebuilt.checkpoint);
    await expect(new ProjectionRunner(projection, store, dataSource).catchUp()).rejects.toBeInstanceOf(CheckpointOfAnotherLogError);
  });

  it('a rebuild that fails leaves nothing behind: no rebuild schema, the live tables as they were', async () => {
    const before = await state();
    const failed = await rebuildProjection(projection, other, { db: database.db, databaseUrl: database.url, batchSize: 0 }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ field: 'limit' });
    const schemas = await database.db.query<{ n: string }>(`SELECT nspname AS n FROM pg_namespace WHERE nspname = 'rm_recording_rebuild'`);
    expect(schemas).toEqual([]);
    expect(await state()).toEqual(before);
  });
});
