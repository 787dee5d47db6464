export { eventually } from './eventually';
export { eventStoreContract, openTestDatabase, testEnvelope, testEvent, type TestDatabase } from '@erbm/shared/event-store/testing';
