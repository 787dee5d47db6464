export { eventStoreContract } from './event-store.contract';
export { testEnvelope, testEvent } from './events';
export { openTestDatabase, type TestDatabase } from './test-database';
