import { AccessDeniedError, MaxAppendSizeExceededError, StreamDeletedError as EsdbStreamDeletedError, WrongExpectedVersionError } from '@eventstore/db-client';
import { AppendTooLargeError, EventStoreAccessDeniedError, StreamDeletedError, WrongExpectedRevisionError } from '../errors';
import type { ExpectedRevision } from '../event-store.port';

/** What the adapter knows of a call that the client's error may not say. */
export interface EsdbCallContext {
  /** The stream the call was about: a refusal of an append's size never names it. */
  streamName?: string;
  /** The append's size as the port measures it: the server says only its limit. */
  bytes?: number;
}

const revision = (value: bigint | string): ExpectedRevision | undefined =>
  typeof value === 'bigint' ? Number(value) : value === 'any' || value === 'no_stream' ? value : undefined;

/**
 * The port's error for an error of EventStoreDB's client (6.2.1), or the error itself when the port has none:
 * - a refused append size → `AppendTooLargeError`, with the server's limit; its `bytes` is the caller's measure, NaN
 *   when the caller gave none (the server never says the size it counted);
 * - a deleted stream → `StreamDeletedError`: this system deletes none, so the log was altered;
 * - access denied (rights, or credentials the server does not take) → `EventStoreAccessDeniedError`: a
 *   misconfiguration, which retrying does not cure;
 * - a wrong expected version → `WrongExpectedRevisionError`, unless it expected `stream_exists`, which the port never
 *   asks;
 * - the errors that mean "cannot reach the store now" (unavailable, deadline exceeded, not leader, a server timeout or
 *   cancellation, a failed discovery) stay as they are: `unreachableStore` tells them, as it tells PostgreSQL's;
 * - anything else stays as it is.
 */
export function translateEsdbError(error: unknown, context: EsdbCallContext = {}): unknown {
  if (error instanceof MaxAppendSizeExceededError) return new AppendTooLargeError(context.streamName ?? '', context.bytes ?? NaN, error.maxAppendSize);
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(error.streamName ?? context.streamName ?? '');
  if (error instanceof AccessDeniedError)
    return new EventStoreAccessDeniedError(
      `EventStoreDB refused access${context.streamName ? ` to stream "${context.streamName}"` : ''} (${error.message || 'access denied'}): the user named by EVENTSTORE_CONNECTION_STRING needs the rights to read and write every stream and to read $all, and the server must accept its credentials`,
    );
  if (error instanceof WrongExpectedVersionError) {
    const expected = revision(error.expectedVersion);
    if (expected === undefined) return error;
    const actual = error.actualVersion;
    return new WrongExpectedRevisionError(error.streamName || context.streamName || '', expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
  }
  return error;
}
