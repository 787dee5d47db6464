import { CancelledError, DeadlineExceededError, NotLeaderError, TimeoutError, UnavailableError, UnknownError } from '@eventstore/db-client';

/** Which store an error says cannot be reached: the request may succeed as is once it is back. */
export type UnreachableStore = 'database' | 'eventStore';

/** Socket errors of a connection that could not be made or was cut (Node's system error codes). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * SQLSTATEs of a server that is going away or refusing connections: 57P01 admin shutdown (also pg_terminate_backend),
 * 57P02 crash shutdown, 57P03 cannot connect now (starting, or in recovery), 53300 too many connections; class 08 is
 * the connection exceptions.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * node-postgres says so in messages, not codes: a connection that ended under a query or while idle in a client, the
 * pool's and the client's connection timeouts, a client left unusable by such an error.
 */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Query read timeout$/,
];

/**
 * EventStoreDB's client errors that mean "not now": the server is down, starting or too busy (`UNAVAILABLE`), the call
 * outlived its deadline, the node is not the leader (the client goes to the leader it names at the next call), the
 * server timed the operation out (`ABORTED`, which the client calls a timeout) or cancelled it (a node shutting down;
 * a cancellation of the client's own is not one of these).
 */
const ESDB_NOT_NOW = [UnavailableError, DeadlineExceededError, NotLeaderError, TimeoutError, CancelledError];

/** A follower that knows no leader (an election is under way) says so with `UNKNOWN` and these words. */
const NO_LEADER = /No leader info available/;

/** The client's discovery of a cluster (`esdb+discover://`, several hosts) gave up: no node answered its gossip. */
const DISCOVERY_FAILED = /^Failed to discover after \d+ attempts\.$/;

/**
 * The store an error comes from when it means "cannot reach it now" (an outage), or undefined for any other error.
 * Follows the wrappers: TypeORM's `driverError`, an `AggregateError`'s errors (Node tries every address of a host),
 * a `cause`.
 */
export function unreachableStore(error: unknown, depth = 0): UnreachableStore | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  if (ESDB_NOT_NOW.some((type) => error instanceof type)) return 'eventStore';
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return 'database';
  if (typeof message === 'string' && PG_MESSAGES.some((m) => m.test(message))) return 'database';
  if (typeof message === 'string' && ((error instanceof UnknownError && NO_LEADER.test(message)) || DISCOVERY_FAILED.test(message))) return 'eventStore';
  for (const inner of [driverError, cause, ...(Array.isArray(errors) ? errors : [])]) {
    const store = unreachableStore(inner, depth + 1);
    if (store) return store;
  }
  return undefined;
}
