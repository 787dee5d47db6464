export { eventually } from './eventually';
export { dumpReadModels } from './read-models';
export { eventStoreContract, openTestDatabase, testEnvelope, testEvent, type TestDatabase } from '@erbm/shared/event-store/testing';
