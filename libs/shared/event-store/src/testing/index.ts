export { untilClockPasses } from './clock';
export { eventStoreContract } from './event-store.contract';
export { testEnvelope, testEvent } from './events';
export { logSettled } from './log-settled';
export { openTestDatabase, type TestDatabase } from './test-database';
export { openTestEventStore, type TestEventStore } from './test-event-store';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { esdbRefusal } from './esdb-refusal';
