import { PostgresEventStore, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, logSettled, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { FinancingLinks, migrateFinancingLinks } from './financing-links';
import type { OperationDirectories } from './operation-directory';
import type { DecisionProgrammings } from './programmings/decision-programmings';

/**
 * The completion process keeps its checkpoint beside the read models; here on two PostgreSQL event stores (two
 * databases, two logs whose positions look alike). It serves no domain here: what is checked is where it reads from.
 */
describe('financing links: a checkpoint of another log', () => {
  let database: TestDatabase;
  let otherDatabase: TestDatabase;
  let store: PostgresEventStore;
  let other: PostgresEventStore;
  const servesNothing = { names: () => ['none'], served: () => false } as unknown as OperationDirectories;
  const followsNothing = { followUp: async () => false } as unknown as DecisionProgrammings;
  const row = async () =>
    (await database.db.query<{ checkpoint: string | null; log_id: string | null }>(`SELECT checkpoint, log_id FROM api.financing_links`))[0];

  beforeAll(async () => {
    database = await openTestDatabase();
    otherDatabase = await openTestDatabase();
    for (const db of [database.db, otherDatabase.db]) await migrateEventStore(db);
    store = new PostgresEventStore(database.db);
    other = new PostgresEventStore(otherDatabase.db);
    // The other log's event first, and fewer: the first log's head is a position past it (in transaction and sequence).
    await other.append('links-b', [testEvent('t', {})], 'no_stream');
    await store.append('links-a', [testEvent('t', {}), testEvent('t', {}), testEvent('t', {})], 'no_stream');
    await logSettled(database.db);
    await logSettled(otherDatabase.db);
    await migrateFinancingLinks(database.db);
  });
  afterAll(async () => {
    await database.drop();
    await otherDatabase.drop();
  });

  it('keeps the log with the checkpoint; on another log it reads that log from its start instead of from a meaningless position', async () => {
    await new FinancingLinks(store, database.db, servesNothing, followsNothing).completePending();
    expect(await row()).toEqual({ checkpoint: await store.head(), log_id: await store.logId() });

    // A checkpoint written before the tag: the store that runs now keeps its place.
    await database.db.query(`UPDATE api.financing_links SET log_id = NULL`);
    await new FinancingLinks(store, database.db, servesNothing, followsNothing).completePending();
    expect(await row()).toEqual({ checkpoint: await store.head(), log_id: await store.logId() });

    // Another log: its one event is read from the start; from the first log's position it would not be read at all.
    expect((await other.readAll(await store.head(), 10)).events).toEqual([]);
    await new FinancingLinks(other, database.db, servesNothing, followsNothing).completePending();
    expect(await row()).toEqual({ checkpoint: await other.head(), log_id: await other.logId() });
  });
});
