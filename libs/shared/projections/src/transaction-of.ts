/**
 * The first number of a position: the writing transaction on PostgreSQL (on EventStoreDB the commit position, which
 * is each event's own). This parses a position outside the store, which the port forbids: it is kept for the ledger
 * register's row versions only (`libs/ledger/read-models/src/versions.ts`), which key each version by the two numbers
 * of a position so that PostgreSQL can answer "as of a checkpoint" by comparing them. Everything else asks the store:
 * `StoredEvent.appendId`, `EventStore.isPosition`, `EventStore.countAfter`.
 */
export const transactionOf = (position: string): string => position.slice(0, position.indexOf('/'));
