import type { ExpectedRevision } from './event-store.port';

export type ActualRevision = number | 'no_stream';

/** The caller's expected revision is stale: somebody else wrote first. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(`stream "${streamName}": expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** The append was refused before anything was written: the input breaks the port's rules. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    /** Path of the field at fault, e.g. "events[2].type". */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * The append is larger than the store takes in one write (`MAX_APPEND_BYTES`, the same on every adapter): nothing was
 * written. Split it, or send the large content as a document and record its reference.
 */
export class AppendTooLargeError extends Error {
  override readonly name = 'AppendTooLargeError';
  constructor(
    readonly streamName: string,
    /** Size of the append as the port measures it, in bytes. */
    readonly bytes: number,
    /** The limit, in bytes. */
    readonly limit: number,
  ) {
    super(`stream "${streamName}": append of ${bytes} bytes is larger than the ${limit} bytes an append may hold`);
  }
}

/**
 * An append with expected revision "any" kept losing the race for the stream's tip to writers of other processes (the
 * EventStoreDB adapter chains each event to the tip it appends against). Nothing was written: retry later.
 */
export class WriteContendedError extends Error {
  override readonly name = 'WriteContendedError';
  constructor(
    readonly streamName: string,
    readonly attempts: number,
  ) {
    super(`stream "${streamName}": ${attempts} appends lost the race for the stream's tip to other writers; nothing was written`);
  }
}

/**
 * A stream of the log was deleted or truncated in the store. This system never deletes a stream: the log was altered
 * from outside (an operator, a tool holding the store's credentials), which an auditor must hear of. Nothing was
 * written, and nothing more is written to it.
 */
export class StreamDeletedError extends Error {
  override readonly name = 'StreamDeletedError';
  constructor(
    readonly streamName: string,
    readonly how: 'deleted' | 'truncated' = 'deleted',
  ) {
    super(`stream "${streamName}" was ${how} in the event store; this system never deletes a stream: the log was altered`);
  }
}

/**
 * The store refused this process access (rights, credentials): a misconfiguration of the deployment, not an outage,
 * and retrying changes nothing until it is corrected. Nothing was written.
 */
export class EventStoreAccessDeniedError extends Error {
  override readonly name = 'EventStoreAccessDeniedError';
}
