export { eventually } from './eventually';
export { deciderSpec, type DeciderSpec, type DeciderSpecWhen } from './decider-spec';
export { dumpReadModels } from './read-models';
export { eventStoreContract, openTestDatabase, testEnvelope, testEvent, type TestDatabase } from '@erbm/shared/event-store/testing';
export { startTcpProxy, type TcpProxy } from '@erbm/shared/event-store/testing';
