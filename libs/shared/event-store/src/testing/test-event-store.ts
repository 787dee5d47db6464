import { type EventStore, EventStoreDbEventStore, PostgresEventStore, migrateEventStore } from '../index';
import { logSettled } from './log-settled';
import type { TestDatabase } from './test-database';

export interface TestEventStore {
  store: EventStore;
  /** Human-readable: which real store the test runs on. */
  label: string;
  /**
   * Resolves once every event appended so far can be read from the global log (PostgreSQL: see logSettled;
   * EventStoreDB: at once, an acknowledged append is in `$all`).
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The event store a test of the log's readers runs on: EventStoreDB when EVENTSTORE_CONNECTION_STRING is set (a
 * server that may already hold events: the test writes streams of its own and reads the log from a position taken
 * before it writes), the PostgreSQL store on the test database otherwise. The read models stay on the test database.
 */
export async function openTestEventStore(database: TestDatabase): Promise<TestEventStore> {
  const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
  if (connectionString) {
    const store = new EventStoreDbEventStore(connectionString);
    return { store, label: 'EventStoreDB (EVENTSTORE_CONNECTION_STRING)', settled: async () => undefined, close: () => store.close() };
  }
  await migrateEventStore(database.db);
  return {
    store: new PostgresEventStore(database.db),
    label: `PostgreSQL event store, ${database.label}`,
    settled: () => logSettled(database.db),
    close: async () => undefined,
  };
}
