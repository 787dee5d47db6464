export * from './event-store.port';
export * from './errors';
export {
  checkAppendSize,
  EVENT_OVERHEAD_BYTES,
  MAX_APPEND_BYTES,
  measureAppend,
  type MeasuredAppend,
  validateEvents,
  validateExpected,
  validateStreamName,
} from './validation';
export { PostgresEventStore } from './postgres/postgres-event-store';
export { DEFAULT_CONNECT_TIMEOUT_MS, openSqlDatabase, type SqlDatabase, type SqlExecutor, type DatabaseMode } from './postgres/sql-database';
export { migrateEventStore } from './postgres/migrations';
export { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
export { connectionStringProblem } from './eventstoredb/connection-string';
export { pgCompatibleDriver } from './postgres/pg-compatible-driver';
export { isEmbedded, type EmbeddedLease, type RawResult } from './postgres/sql-database';
export { hasSessions, type SqlSession } from './postgres/sql-database';
export * from './hash-chain';
export {
  createSeal,
  latestSeal,
  listSeals,
  verifyChains,
  verifySeals,
  verifyEventLog,
  type ChainBreak,
  type Seal,
  type SealBreak,
  type VerificationReport,
} from './postgres/tamper-evidence';
export { unreachableStore, type UnreachableStore } from './unavailable';
export { DataFolderInUseError, type DataFolderHolder, assertDataFolderFree } from './postgres/data-folder-lock';
export { sealKeeper, type SealKeeper } from './seals';
