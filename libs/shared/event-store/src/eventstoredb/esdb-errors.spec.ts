import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotFoundError,
  NotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { status } from '@grpc/grpc-js';
import { AppendTooLargeError, EventStoreAccessDeniedError, StreamDeletedError, WrongExpectedRevisionError } from '../errors';
import { esdbRefusal } from '../testing/esdb-refusal';
import { unreachableStore } from '../unavailable';
import { translateEsdbError } from './esdb-errors';

/**
 * No EventStoreDB server runs here: these are the client's own errors, built the way the client builds them. A call the
 * server refused goes through grpc-js and the client's conversion (`esdbRefusal`); a refusal within a batch append is
 * built by the client from the batch's response, with the constructors it calls there (`unpackToCommandError`).
 */
describe('translateEsdbError: what the port says of the client errors it has a word for', () => {
  it("an append larger than the server's limit: AppendTooLargeError with the server's limit and the caller's measure", () => {
    const refused = esdbRefusal(status.INVALID_ARGUMENT, 'Maximum Append Size of 1048576 Exceeded.', {
      exception: 'maximum-append-size-exceeded',
      'maximum-append-size': '1048576',
    });
    expect(refused).toBeInstanceOf(MaxAppendSizeExceededError);
    const translated = translateEsdbError(refused, { streamName: 'habitat-op-1', bytes: 3_500_000 });
    expect(translated).toBeInstanceOf(AppendTooLargeError);
    expect(translated).toMatchObject({ streamName: 'habitat-op-1', bytes: 3_500_000, limit: 1_048_576 });

    // Within a batch append; and a caller that did not measure gets NaN: the server never says the size it counted.
    const inBatch = translateEsdbError(MaxAppendSizeExceededError.fromMaxAppendSize(524_288), { streamName: 's' });
    expect(inBatch).toMatchObject({ name: 'AppendTooLargeError', streamName: 's', limit: 524_288 });
    expect((inBatch as AppendTooLargeError).bytes).toBeNaN();
  });

  it('a deleted stream: StreamDeletedError naming the stream, from the trailers or from the batch append', () => {
    const refused = esdbRefusal(status.FAILED_PRECONDITION, "Event stream 'ledger-c-7' is deleted.", {
      exception: 'stream-deleted',
      'stream-name': 'ledger-c-7',
    });
    expect(refused).toBeInstanceOf(EsdbStreamDeletedError);
    const translated = translateEsdbError(refused, { streamName: 'ignored: the server named it' });
    expect(translated).toBeInstanceOf(StreamDeletedError);
    expect(translated).toMatchObject({ streamName: 'ledger-c-7' });
    expect(translateEsdbError(EsdbStreamDeletedError.fromStreamName('habitat-op-2'))).toMatchObject({ name: 'StreamDeletedError', streamName: 'habitat-op-2' });
  });

  it('access denied (rights, or credentials the server refuses): EventStoreAccessDeniedError saying what to correct', () => {
    const denied = [
      esdbRefusal(status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' }),
      esdbRefusal(status.UNAUTHENTICATED, 'Bad credentials'),
      new AccessDeniedError(),
    ];
    for (const error of denied) {
      expect(error).toBeInstanceOf(AccessDeniedError);
      const translated = translateEsdbError(error, { streamName: 's-1' });
      expect(translated).toBeInstanceOf(EventStoreAccessDeniedError);
      expect((translated as Error).message).toMatch(/^EventStoreDB refused access to stream "s-1" .*EVENTSTORE_CONNECTION_STRING/);
      expect(unreachableStore(translated)).toBeUndefined();
    }
  });

  it("a wrong expected version: the port's WrongExpectedRevisionError, revisions as numbers", () => {
    const refused = esdbRefusal(status.FAILED_PRECONDITION, 'Append failed due to WrongExpectedVersion. Stream: s-2, Expected version: 3, Actual version: 5', {
      exception: 'wrong-expected-version',
      'stream-name': 's-2',
      'expected-version': '3',
      'actual-version': '5',
    });
    const translated = translateEsdbError(refused);
    expect(translated).toBeInstanceOf(WrongExpectedRevisionError);
    expect(translated).toMatchObject({ streamName: 's-2', expected: 3, actual: 5 });
    // As the unary append builds it: a stream that does not exist.
    const noStream = new WrongExpectedVersionError(undefined, { streamName: 's-3', expected: 0n, current: 'no_stream' });
    expect(translateEsdbError(noStream)).toMatchObject({ name: 'WrongExpectedRevisionError', streamName: 's-3', expected: 0, actual: 'no_stream' });
    // The port never expects `stream_exists`: that refusal is not the port's to explain.
    const exists = new WrongExpectedVersionError(undefined, { streamName: 's-4', expected: 'stream_exists', current: 'no_stream' });
    expect(translateEsdbError(exists)).toBe(exists);
  });
});

describe('errors that mean "cannot reach EventStoreDB now": left as they are, and told by unreachableStore', () => {
  it.each([
    ['a server down, starting or too busy', () => esdbRefusal(status.UNAVAILABLE, 'Server Is Not Ready'), UnavailableError],
    ['a connection the client could not make', () => esdbRefusal(status.UNAVAILABLE, 'No connection established'), UnavailableError],
    ["a call past the client's deadline", () => esdbRefusal(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), DeadlineExceededError],
    ['a batch append the server timed out', () => new DeadlineExceededError(), DeadlineExceededError],
    [
      'a node that is not the leader',
      () =>
        esdbRefusal(status.NOT_FOUND, 'Leader info available', {
          exception: 'not-leader',
          'leader-endpoint-host': '10.0.0.2',
          'leader-endpoint-port': '2113',
        }),
      NotLeaderError,
    ],
    ['an operation the server timed out (ABORTED)', () => esdbRefusal(status.ABORTED, 'Operation timed out: commit'), TimeoutError],
    ['a call the server cancelled (a node shutting down)', () => esdbRefusal(status.CANCELLED, 'Call cancelled'), CancelledError],
    ['a follower that knows no leader (an election)', () => esdbRefusal(status.UNKNOWN, 'No leader info available in response'), UnknownError],
    ['a cluster discovery that gave up (the client raises a plain Error)', () => new Error('Failed to discover after 10 attempts.'), Error],
  ])('%s', (_, make, type) => {
    const error = make();
    expect(error).toBeInstanceOf(type);
    expect(translateEsdbError(error, { streamName: 's' })).toBe(error);
    expect(unreachableStore(error)).toBe('eventStore');
  });

  it('not these: a cancellation of the client itself, an unknown error, a NOT_FOUND without more, an error of the code', () => {
    const others = [
      esdbRefusal(status.CANCELLED, 'Cancelled on client'),
      esdbRefusal(status.UNKNOWN, 'Exception was thrown by handler.'),
      esdbRefusal(status.NOT_FOUND, 'Not found'),
      new TypeError("Cannot read properties of undefined (reading 'event')"),
    ];
    expect(others[2]).toBeInstanceOf(NotFoundError);
    for (const error of others) {
      expect(translateEsdbError(error)).toBe(error);
      expect(unreachableStore(error)).toBeUndefined();
    }
  });
});
