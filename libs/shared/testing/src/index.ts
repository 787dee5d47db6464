export { eventually } from './eventually';
export { openTestDatabase, type TestDatabase } from './test-database';
export { testEnvelope, testEvent } from './events';
