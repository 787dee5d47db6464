export { eventually } from './eventually';
export { deciderSpec, type DeciderSpec, type DeciderSpecWhen } from './decider-spec';
export { dumpReadModels } from './read-models';
export {
  eventStoreContract,
  logSettled,
  openTestDatabase,
  testEnvelope,
  testEvent,
  type TestDatabase,
  untilClockPasses,
} from '@erbm/shared/event-store/testing';
