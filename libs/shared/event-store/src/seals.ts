import type { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import type { SqlDatabase } from './postgres/sql-database';
import { type Seal, type VerificationReport, createSeal, latestSeal, listSeals, verifyEventLog } from './postgres/tamper-evidence';

/**
 * The seals of the log and its verification, on whichever store holds the events: in PostgreSQL's `event_store`
 * schema beside them, or in EventStoreDB's seals stream (ADR 0012). What the API, the periodic sealer and exports use,
 * so an auditor has the same proof whichever store runs.
 */
export interface SealKeeper {
  createSeal(sealedBy: string): Promise<Seal | null>;
  listSeals(): Promise<Seal[]>;
  latestSeal(): Promise<Seal | null>;
  verifyEventLog(options?: { digest?: string }): Promise<VerificationReport & { digestFound?: boolean }>;
}

/** The seal keeper of the store that holds the events (`db`: the SQL database, where PostgreSQL keeps them). */
export function sealKeeper(store: EventStore, db: SqlDatabase): SealKeeper {
  if (store instanceof EventStoreDbEventStore) {
    return {
      createSeal: (sealedBy) => store.createSeal(sealedBy),
      listSeals: () => store.listSeals(),
      latestSeal: async () => (await store.listSeals()).at(-1) ?? null,
      verifyEventLog: (options) => store.verifyEventLog(options),
    };
  }
  return {
    createSeal: (sealedBy) => createSeal(db, sealedBy),
    listSeals: () => listSeals(db),
    latestSeal: () => latestSeal(db),
    verifyEventLog: (options) => verifyEventLog(db, options),
  };
}
