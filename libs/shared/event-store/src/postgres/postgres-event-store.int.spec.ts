import { Client } from 'pg';
import { logSettled, openTestDatabase, testEvent, type TestDatabase } from '../testing';
import { eventStoreContract } from '../testing/event-store.contract';
import type { StoredEvent } from '../event-store.port';
import { migrateEventStore } from './migrations';
import { appendInTransaction, PostgresEventStore } from './postgres-event-store';
import { clientExecutor } from './sql-database';
import { createSeal } from './tamper-evidence';

let database: TestDatabase;
let store: PostgresEventStore;
/** Every event committed so far, readable from the log (see logSettled). */
const settled = () => logSettled(database.db);

beforeAll(async () => {
  database = await openTestDatabase('erbm_es');
  // Say plainly which real database this run used.
  process.stdout.write(`\nEvent store contract suite: PostgreSQL adapter on ${database.label}\n`);
  await migrateEventStore(database.db);
  store = new PostgresEventStore(database.db, { pollIntervalMs: 20 });
});

afterAll(async () => {
  await database.drop();
});

describe(`PostgreSQL adapter (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  eventStoreContract(() => store, settled);

  it('migrations are versioned and idempotent', async () => {
    expect(await migrateEventStore(database.db)).toEqual([]);
    const rows = await database.db.query<{ version: number }>('SELECT version FROM event_store.migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual([1, 2, 3]);
  });

  it('names its log once for good: another store on the same database names it alike, one on another database not', async () => {
    const name = await store.logId();
    expect(name).toMatch(/^postgresql:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await new PostgresEventStore(database.db).logId()).toBe(name);
    // Migrating again draws nothing new.
    await migrateEventStore(database.db);
    expect(await new PostgresEventStore(database.db).logId()).toBe(name);
    const other = await openTestDatabase('erbm_es_other');
    try {
      await migrateEventStore(other.db);
      const otherName = await new PostgresEventStore(other.db).logId();
      expect(otherName).toMatch(/^postgresql:/);
      expect(otherName).not.toBe(name);
    } finally {
      await other.drop();
    }
  });

  it('refuses a checkpoint it did not issue', async () => {
    await expect(store.readAll('garbage', 10)).rejects.toMatchObject({ field: 'checkpoint' });
    // The form it writes: two numbers without leading zeros, within the ranges of xid8 and bigint.
    expect(['0/0', '1234/5678', '18446744073709551615/9223372036854775807'].map((t) => store.isPosition(t))).toEqual([true, true, true]);
    expect(['01/2', '1/02', '18446744073709551616/1', '1/9223372036854775808', '1.5/2', '1/', '/2'].filter((t) => store.isPosition(t))).toEqual([]);
  });

  it('rolls a batch back whole when the database refuses one of its events', async () => {
    const taken = testEvent('test.Taken', {});
    await store.append(`atomic-${taken.id}-a`, [taken], 'no_stream');
    const stream = `atomic-${taken.id}-b`;
    // Same id stored in another stream: the second event of the batch violates the unique key.
    await expect(store.append(stream, [testEvent('test.Ok', {}), taken], 'no_stream')).rejects.toMatchObject({
      field: 'events[1].id',
    });
    expect(await store.readStream(stream)).toEqual([]);
    expect((await store.append(stream, [testEvent('test.Ok', {})], 'no_stream')).nextRevision).toBe(0);
  });
});

// Needs a second real connection holding a transaction open: the server run of CI (the embedded database has one).
if (process.env.DATABASE_URL)
  describe('PostgreSQL server: the global log is gap-safe', () => {
    it('a reader never passes an event whose transaction commits after a later one', async () => {
      const slow = new Client({ connectionString: database.url });
      await slow.connect();
      try {
        const prefix = `gap-${testEvent('x', {}).id}`;
        const collect = async (from: string | null) => {
          const page = await store.readAll(from, 100_000);
          return { events: page.events.filter((e: StoredEvent) => e.streamName.startsWith(prefix)), checkpoint: page.checkpoint };
        };
        await settled();
        const start = (await store.readAll(null, 1_000_000)).checkpoint;

        // Transaction A takes its sequence number first and stays open.
        await slow.query('BEGIN');
        const early = testEvent('test.Early', {});
        await appendInTransaction(clientExecutor(slow), `${prefix}-a`, [early], 'no_stream');

        // Transaction B takes a higher number and commits first.
        const late = testEvent('test.Late', {});
        await store.append(`${prefix}-b`, [late], 'no_stream');

        // A reader now must not deliver B: it would move its checkpoint past A's number.
        const whileOpen = await collect(start);
        expect(whileOpen.events).toEqual([]);

        await slow.query('COMMIT');
        await settled();
        const afterCommit = await collect(whileOpen.checkpoint);
        expect(afterCommit.events.map((e) => e.id)).toEqual([early.id, late.id]);
      } finally {
        await slow.end();
      }
    });

    it('a write transaction of another database on the same server does not hold readers back', async () => {
      // Another database of the server (the one DATABASE_URL names, under which each test file has its own).
      const elsewhere = new Client({ connectionString: process.env.DATABASE_URL });
      await elsewhere.connect();
      try {
        await settled();
        await elsewhere.query('BEGIN');
        await elsewhere.query('SELECT pg_current_xact_id()');
        const event = testEvent('test.WhileElsewhere', {});
        const { position } = await store.append(`elsewhere-${event.id}`, [event], 'no_stream');
        // Read at once, while the other database's transaction, older than the append, still runs.
        expect(await store.head()).toBe(position);
        const page = await store.readAll(null, 1_000_000);
        expect(page.events[page.events.length - 1].id).toBe(event.id);
        expect(await store.countAfter(page.events[page.events.length - 2].position)).toBe(1);
        expect((await createSeal(database.db, 'test'))?.upToPosition).toBe(position);
      } finally {
        await elsewhere.query('ROLLBACK');
        await elsewhere.end();
      }
    });

    it('events of a rolled-back transaction never appear, and do not hold readers back', async () => {
      const slow = new Client({ connectionString: database.url });
      await slow.connect();
      try {
        const prefix = `rollback-${testEvent('x', {}).id}`;
        await slow.query('BEGIN');
        await appendInTransaction(clientExecutor(slow), `${prefix}-a`, [testEvent('test.Doomed', {})], 'no_stream');
        const kept = testEvent('test.Kept', {});
        await store.append(`${prefix}-b`, [kept], 'no_stream');
        await slow.query('ROLLBACK');
        await settled();
        const page = await store.readAll(null, 1_000_000);
        expect(page.events.filter((e) => e.streamName.startsWith(prefix)).map((e) => e.id)).toEqual([kept.id]);
      } finally {
        await slow.end();
      }
    });
  });

describe('embedded mode: one shared connection', () => {
  it('serialises concurrent appends and reads without corrupting anything', async () => {
    const prefix = `serial-${testEvent('x', {}).id}`;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        i % 4 === 3
          ? store.append(`${prefix}-bad`, [testEvent('test.Dup', {}), testEvent('test.Dup', {})], 5)
          : store.append(`${prefix}-${i % 3}`, [testEvent('test.Serial', { i }), testEvent('test.Serial', { i })], 'any'),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(5);
    expect(await store.readStream(`${prefix}-bad`)).toEqual([]);
    await settled();
    const all = (await store.readAll(null, 1_000_000)).events.filter((e) => e.streamName.startsWith(prefix));
    expect(all).toHaveLength(30);
    for (let i = 0; i < 3; i += 1) {
      const revisions = all.filter((e) => e.streamName === `${prefix}-${i}`).map((e) => e.revision);
      expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, r) => r));
    }
  });
});
