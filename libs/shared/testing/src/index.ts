export { eventually } from './eventually';
export { datedDeciderSpec, deciderSpec, type DeciderSpec, type DeciderSpecWhen } from './decider-spec';
export { dumpReadModels } from './read-models';
export {
  eventStoreContract,
  logSettled,
  openTestDatabase,
  startTcpProxy,
  testEnvelope,
  testEvent,
  type TcpProxy,
  type TestDatabase,
  untilClockPasses,
} from '@erbm/shared/event-store/testing';
