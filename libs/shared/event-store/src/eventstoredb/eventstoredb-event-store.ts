import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  excludeSystemEvents,
  jsonEvent,
  NO_STREAM,
  START,
  StreamDeletedError as EsdbStreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { type EventUpcasters, eventUpcasters } from '@erbm/shared/kernel';
import { InvalidEventError, StreamDeletedError, WriteContendedError, WrongExpectedRevisionError } from '../errors';
import type {
  AppendResult,
  EventEnvelope,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllResult,
  ReadStreamOptions,
  StoredEvent,
  Subscription,
} from '../event-store.port';
import { checkAppendSize, validateEvents, validateExpected, validateStreamName } from '../validation';
import { type EsdbChainBreak, EsdbChainVerifier, chainNewEvents, splitChainedMetadata } from './esdb-chain';
import { translateEsdbError } from './esdb-errors';
import type { Seal, VerificationReport } from '../postgres/tamper-evidence';
import { createEsdbSeal, listEsdbSeals, verifyEsdbEventLog } from './esdb-seals';

/**
 * Marks the events of an append of several events with one id of the append's own. EventStoreDB writes each event of
 * an append as a record of its own, whose commit and prepare positions are both that record's: nothing a client reads
 * tells where an append ends, so the adapter says it in the metadata (hashed with the rest).
 */
const APPEND_KEY = 'erbmAppend';

/** What goes in EventStoreDB's event metadata: the envelope, with correlation/causation under ESDB's own keys. */
interface StoredMetadata extends Omit<EventEnvelope, 'correlationId' | 'causationId'> {
  schemaVersion: number;
  $correlationId?: string;
  $causationId?: string;
  [APPEND_KEY]?: string;
}

/**
 * Who an event written by another tool is said to come from: EventStoreDB takes any event in a user stream, with any
 * metadata or none. Such an event is delivered as it is (hiding it would hide an alteration), under this actor, and
 * `verify` names it: it carries no hash.
 */
export const FOREIGN_ACTOR = { userId: '(inconnu)', role: '(hors ERBM)', organisation: '(écrit sans les métadonnées ERBM)' } as const;

/** The part of EventStoreDB's client the adapter uses: what a test stand-in must provide. */
export type EsdbClient = Pick<
  EventStoreDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'getStreamMetadata' | 'setStreamMetadata' | 'dispose'
>;

export interface EventStoreDbOptions {
  /** A read call that delivers nothing for this long is abandoned (the client sets no deadline on reads). */
  readIdleMs?: number;
  /** How long an append with expected revision "any" keeps retrying when other processes win the stream's tip. */
  contentionMs?: number;
  /** Waits before a dropped subscription is made again, in milliseconds, the last one repeated. */
  resubscribeDelaysMs?: readonly number[];
  /** A client of one's own (tests: a stand-in for the client; never presented as a server). */
  client?: EsdbClient;
  /** What events of older schema versions read as (default: the process's registry). */
  upcasters?: EventUpcasters;
}

/** The stream whose metadata names the log (`logId`), and the key it is under. */
const LOG_ID_STREAM = 'erbm-log';
const LOG_ID_KEY = 'erbmLogId';

/** Records a read call asks for at most: reads of `$all` and of streams are sequences of such calls. */
export const READ_CHUNK = 4_096;
const DEFAULT_READ_IDLE_MS = 30_000;
const DEFAULT_CONTENTION_MS = 10_000;
const DEFAULT_RESUBSCRIBE_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000];

function encodePosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

const UINT64_MAX = 2n ** 64n - 1n;

/** The commit and prepare positions of a position as this adapter writes them, or undefined. */
function parsePosition(text: unknown): Position | undefined {
  const match = typeof text === 'string' ? /^(0|[1-9]\d{0,19})\/(0|[1-9]\d{0,19})$/.exec(text) : null;
  if (!match) return undefined;
  const position = { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  return position.commit > UINT64_MAX || position.prepare > UINT64_MAX ? undefined : position;
}

function decodePosition(checkpoint: string): Position {
  const position = parsePosition(checkpoint);
  if (!position) throw new InvalidEventError('checkpoint', `"${checkpoint}" is not a position of this store`);
  return position;
}

function isSystem(streamName: string, type: string): boolean {
  return streamName.startsWith('$') || type.startsWith('$');
}

/** The events of the port's log: JSON events of user streams (system events and binary events are not). */
function isLogEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): boolean {
  const event = resolved.event;
  return event !== undefined && event.isJson && !isSystem(event.streamId, event.type);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** A record as readers get it (its data upcast to the current schema version of its type), or undefined if not the port's. */
function toStoredEvent(resolved: ResolvedEvent | AllStreamResolvedEvent, upcasters: EventUpcasters): StoredEvent | undefined {
  const event = resolved.event;
  if (!event || !isLogEvent(resolved)) return undefined;
  const { metadata, hash } = splitChainedMetadata(isRecord(event.metadata) ? event.metadata : {});
  const { schemaVersion, $correlationId, $causationId, [APPEND_KEY]: appendId, ...envelope } = metadata as Partial<StoredMetadata>;
  const position = event.position ?? resolved.commitPosition;
  const recordedAt = new Date(event.created).toISOString();
  const upcast = upcasters.upcast(event.type, event.data, typeof schemaVersion === 'number' ? schemaVersion : 1);
  return {
    id: event.id,
    type: event.type,
    schemaVersion: upcast.schemaVersion,
    data: upcast.data,
    envelope: {
      ...(isRecord(envelope.actor) ? {} : { actor: { ...FOREIGN_ACTOR } }),
      ...(typeof envelope.occurredAt === 'string' ? {} : { occurredAt: recordedAt }),
      ...(envelope as EventEnvelope),
      ...($correlationId === undefined ? {} : { correlationId: $correlationId }),
      ...($causationId === undefined ? {} : { causationId: $causationId }),
    },
    streamName: event.streamId,
    revision: Number(event.revision),
    position: typeof position === 'bigint' ? `${position}/${position}` : position ? encodePosition(position) : '0/0',
    // An event written alone, or before appends were marked, is an append of its own.
    appendId: typeof appendId === 'string' ? appendId : event.id,
    recordedAt,
    ...(hash === undefined ? {} : { hash }),
  };
}

function toMetadata(e: NewEvent, appendId: string | undefined): StoredMetadata {
  const { correlationId, causationId, ...envelope } = e.envelope;
  return {
    ...envelope,
    schemaVersion: e.schemaVersion,
    ...(correlationId === undefined ? {} : { $correlationId: correlationId }),
    ...(causationId === undefined ? {} : { $causationId: causationId }),
    ...(appendId === undefined ? {} : { [APPEND_KEY]: appendId }),
  };
}

/** What an append needs to know of its stream: where each event id stands, and the tip to chain on. */
interface StreamState {
  byId: Map<string, StoredEvent>;
  tip: { revision: number; hash: string | null } | undefined;
}

/**
 * A read's records as they arrive, abandoned with `DeadlineExceededError` when none comes for `idleMs`: the client
 * gives reads no deadline, so a server that stops answering would hold a request (and its caller) for ever.
 */
async function* withIdleDeadline<T>(read: AsyncIterable<T> & { cancel?: () => Promise<void> }, idleMs: number, what: string): AsyncGenerator<T> {
  const iterator = read[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceededError(undefined, `${what}: no answer from EventStoreDB for ${idleMs} ms`)), idleMs);
      });
      const next = await Promise.race([iterator.next(), idle]).finally(() => clearTimeout(timer));
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Ends the call when the caller stopped early or the deadline passed: the gRPC call is cancelled (ending the
    // client's stream does not end it), not awaited: a call that does not answer does not answer its cancellation either.
    if (!finished) {
      void Promise.resolve(read.cancel?.()).catch(() => undefined);
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }
}

/** The production adapter, on EventStoreDB's gRPC client. Revisions count from 0, as the port's do. */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EsdbClient;
  private readonly readIdleMs: number;
  private readonly contentionMs: number;
  private readonly resubscribeDelaysMs: readonly number[];
  private readonly upcasters: EventUpcasters;
  private logIdentity: Promise<string> | undefined;
  /** Appends of this process to one stream, one after the other: the races left are with other processes. */
  private readonly appending = new Map<string, Promise<unknown>>();

  constructor(connectionString: string, options: EventStoreDbOptions = {}) {
    this.client = options.client ?? EventStoreDBClient.connectionString(connectionString);
    this.readIdleMs = options.readIdleMs ?? DEFAULT_READ_IDLE_MS;
    this.contentionMs = options.contentionMs ?? DEFAULT_CONTENTION_MS;
    this.resubscribeDelaysMs = options.resubscribeDelaysMs ?? DEFAULT_RESUBSCRIBE_DELAYS_MS;
    this.upcasters = options.upcasters ?? eventUpcasters;
  }

  /**
   * Each event's hash chains it to the previous one of its stream, so the append is made against the tip it was chained
   * to: with the caller's expected revision when it names one, and with the tip just read when it says 'any' (a writer
   * of another process that got in between makes the append fail, and it is chained again on the new tip).
   *
   * A retried append is found wherever it stands in its stream (EventStoreDB has no index by event id: the stream is
   * read, as an aggregate is read before a decision). An id stored in another stream is not seen here: `verify` names it.
   */
  async append(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    validateStreamName(streamName);
    validateEvents(events);
    validateExpected(expected);
    const { bytes } = checkAppendSize(streamName, events);
    return this.oneAtATime(streamName, () => this.appendNow(streamName, events, expected, bytes));
  }

  private async oneAtATime<T>(streamName: string, write: () => Promise<T>): Promise<T> {
    const before = this.appending.get(streamName) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(write);
    this.appending.set(streamName, mine);
    try {
      return await mine;
    } finally {
      if (this.appending.get(streamName) === mine) this.appending.delete(streamName);
    }
  }

  private async appendNow(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision, bytes: number): Promise<AppendResult> {
    const appendId = events.length > 1 ? randomUUID() : undefined;
    const giveUpAt = Date.now() + this.contentionMs;
    for (let attempt = 1; ; attempt += 1) {
      const state = await this.streamState(streamName);
      const prior = priorAppend(state, events);
      if (prior) return prior;
      const tip = state.tip ?? { revision: -1, hash: null };
      const actual = tip.revision < 0 ? 'no_stream' : tip.revision;
      if (expected !== 'any' && expected !== actual) throw new WrongExpectedRevisionError(streamName, expected, actual);
      const metadata = chainNewEvents(
        tip,
        events.map((e) => ({
          id: e.id,
          streamName,
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: e.data,
          metadata: toMetadata(e, appendId) as unknown as Record<string, unknown>,
        })),
      );
      try {
        const result = await this.client.appendToStream(
          streamName,
          events.map((e, i) => jsonEvent({ id: e.id, type: e.type, data: e.data as never, metadata: metadata[i] as never })),
          { expectedRevision: tip.revision < 0 ? NO_STREAM : BigInt(tip.revision) },
        );
        if (Number(result.nextExpectedRevision) !== tip.revision + events.length) {
          // EventStoreDB numbered the events after revisions this adapter cannot read: a deleted stream written again.
          throw new StreamDeletedError(streamName, 'deleted');
        }
        return {
          nextRevision: Number(result.nextExpectedRevision),
          position: result.position ? encodePosition(result.position) : '0/0',
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw translateEsdbError(error, { streamName, bytes });
        // Another writer got in: this batch itself perhaps (a retry racing its first attempt), or somebody else.
        const again = priorAppend(await this.streamState(streamName), events);
        if (again) return again;
        if (expected !== 'any') {
          const current = error.actualVersion;
          throw new WrongExpectedRevisionError(streamName, expected, typeof current === 'bigint' ? Number(current) : 'no_stream');
        }
        if (Date.now() >= giveUpAt) throw new WriteContendedError(streamName, attempt);
        await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
      }
    }
  }

  /**
   * The stream as an append sees it: every event id, and the tip. A stream whose first revision is not 0, or which
   * reads as absent while its metadata says it was deleted, was deleted or truncated outside this system: refused.
   */
  private async streamState(streamName: string): Promise<StreamState> {
    const byId = new Map<string, StoredEvent>();
    let tip: StreamState['tip'];
    let first = true;
    for await (const resolved of this.streamRecords(streamName)) {
      const event = toStoredEvent(resolved, this.upcasters);
      const revision = Number(resolved.event?.revision ?? -1);
      if (first && revision !== 0) throw new StreamDeletedError(streamName, 'truncated');
      first = false;
      if (event) byId.set(event.id.toLowerCase(), event);
      tip = { revision, hash: event?.hash ?? null };
    }
    if (first && (await this.wasDeleted(streamName))) throw new StreamDeletedError(streamName, 'deleted');
    return { byId, tip };
  }

  /** Whether a stream that reads as absent has metadata saying events were there (a soft delete sets truncate-before). */
  private async wasDeleted(streamName: string): Promise<boolean> {
    const { metadata } = await this.client.getStreamMetadata(streamName).catch((error: unknown) => {
      throw translateEsdbError(error, { streamName });
    });
    return metadata?.truncateBefore !== undefined;
  }

  /** A stream's records from revision `from`, forwards, in calls of at most READ_CHUNK; none for an absent stream. */
  private async *streamRecords(streamName: string, from = 0, to = Number.MAX_SAFE_INTEGER): AsyncGenerator<ResolvedEvent> {
    for (let next = from; next <= to;) {
      const maxCount = Math.min(READ_CHUNK, to - next + 1);
      let read = 0;
      try {
        const call = this.client.readStream(streamName, { direction: FORWARDS, fromRevision: BigInt(next), maxCount });
        for await (const resolved of withIdleDeadline(call, this.readIdleMs, `read of stream "${streamName}"`)) {
          read += 1;
          next = Number(resolved.event?.revision ?? next) + 1;
          yield resolved;
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return;
        if (error instanceof EsdbStreamDeletedError) throw new StreamDeletedError(streamName, 'deleted');
        throw translateEsdbError(error, { streamName });
      }
      if (read < maxCount) return;
    }
  }

  /**
   * The records of `$all` from a position, in calls of growing size (up to READ_CHUNK), each with the idle deadline.
   * A read of `$all` from a position may include the record at that position: `skip` (that position, written as this
   * adapter writes positions) is left out, as the record a call ended on is when the next call starts there.
   */
  private async *allRecords(
    direction: typeof FORWARDS | typeof BACKWARDS,
    from: Position | typeof START | typeof END,
    skip: string | null,
    firstChunk = READ_CHUNK,
  ): AsyncGenerator<{ resolved: AllStreamResolvedEvent; position: string }> {
    let fromPosition = from;
    let skipped = skip;
    for (let maxCount = Math.max(2, Math.min(firstChunk, READ_CHUNK)); ; maxCount = Math.min(maxCount * 4, READ_CHUNK)) {
      let read = 0;
      let last: Position | undefined;
      const call = this.client.readAll({ direction, fromPosition, maxCount });
      try {
        for await (const resolved of withIdleDeadline(call, this.readIdleMs, 'read of $all')) {
          read += 1;
          const position = resolved.event?.position;
          if (!position) continue;
          last = position;
          const encoded = encodePosition(position);
          if (encoded === skipped) continue;
          yield { resolved, position: encoded };
        }
      } catch (error) {
        throw translateEsdbError(error);
      }
      if (read < maxCount || !last) return;
      fromPosition = last;
      skipped = encodePosition(last);
    }
  }

  /**
   * Every stream's hash chain, recomputed over the whole log in one forward read (EventStoreDB keeps no event apart
   * from its stream, so the check is a stream of the `$all` log), and every event id found in two streams (the
   * PostgreSQL store refuses that on write; EventStoreDB has no index by id to refuse it). Returns the breaks in log
   * order, at most `limit`.
   */
  async verifyChains(limit = 100): Promise<{ eventsChecked: number; streamsChecked: number; breaks: EsdbChainBreak[] }> {
    const verifier = new EsdbChainVerifier(limit);
    const streamOf = new Map<string, string>();
    for await (const { resolved, position } of this.allRecords(FORWARDS, START, null)) {
      const event = resolved.event;
      if (!event || !isLogEvent(resolved)) continue;
      const { metadata, hash } = splitChainedMetadata(isRecord(event.metadata) ? event.metadata : {});
      verifier.check({
        id: event.id,
        streamName: event.streamId,
        type: event.type,
        schemaVersion: (metadata as { schemaVersion?: number }).schemaVersion ?? 1,
        data: event.data,
        metadata,
        revision: Number(event.revision),
        position,
        hash,
      });
      const id = event.id.toLowerCase();
      const other = streamOf.get(id);
      if (other === undefined) streamOf.set(id, event.streamId);
      else if (other !== event.streamId && verifier.breaks.length < limit) {
        verifier.breaks.push({
          streamName: event.streamId,
          revision: Number(event.revision),
          eventId: event.id,
          position,
          reason: `event id already stored in stream "${other}"`,
        });
      }
    }
    return { eventsChecked: verifier.eventsChecked, streamsChecked: verifier.streamsChecked, breaks: verifier.breaks };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    validateStreamName(streamName);
    const from = options.from ?? 0;
    if (!Number.isSafeInteger(from) || from < 0) throw new InvalidEventError('from', 'must be a revision (integer ≥ 0)');
    if (options.to !== undefined && (!Number.isSafeInteger(options.to) || options.to < 0)) {
      throw new InvalidEventError('to', 'must be a revision (integer ≥ 0)');
    }
    const recordedUpTo = options.recordedUpTo === undefined ? undefined : new Date(options.recordedUpTo).getTime();
    if (recordedUpTo !== undefined && Number.isNaN(recordedUpTo)) throw new InvalidEventError('recordedUpTo', 'must be a date');
    const out: StoredEvent[] = [];
    let records = 0;
    for await (const resolved of this.streamRecords(streamName, from, options.to)) {
      records += 1;
      const event = toStoredEvent(resolved, this.upcasters);
      if (!event) continue;
      if (recordedUpTo !== undefined && Date.parse(event.recordedAt) > recordedUpTo) continue;
      out.push(event);
    }
    // A stream that reads as absent: never written, or deleted outside this system, which a reader must hear of.
    if (records === 0 && from === 0 && (await this.wasDeleted(streamName))) throw new StreamDeletedError(streamName, 'deleted');
    return out;
  }

  /** Up to `limit` events of the port's log after the checkpoint: system records between them are read and passed over. */
  async readAll(fromCheckpoint: string | null, limit: number): Promise<ReadAllResult> {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidEventError('limit', 'must be an integer ≥ 1');
    const from = fromCheckpoint === null ? START : decodePosition(fromCheckpoint);
    const events: StoredEvent[] = [];
    let isEnd = true;
    for await (const { resolved } of this.allRecords(FORWARDS, from, fromCheckpoint, limit + 2)) {
      const event = toStoredEvent(resolved, this.upcasters);
      if (!event) continue;
      if (events.length === limit) {
        isEnd = false;
        break;
      }
      events.push(event);
    }
    return { events, checkpoint: events.length ? events[events.length - 1].position : fromCheckpoint, isEnd };
  }

  async countAfter(checkpoint: string | null): Promise<number> {
    const from = checkpoint === null ? START : decodePosition(checkpoint);
    let count = 0;
    // EventStoreDB counts nothing for $all: read what follows, as readAll would, and count the port's events.
    for await (const { resolved } of this.allRecords(FORWARDS, from, checkpoint)) if (isLogEvent(resolved)) count += 1;
    return count;
  }

  isPosition(text: string): boolean {
    return parsePosition(text) !== undefined;
  }

  /**
   * `eventstoredb:<uuid>`: the uuid is drawn once per cluster and kept in the metadata of the stream `erbm-log` (in the
   * system stream `$$erbm-log`, out of the port's log), written with "no stream" so that two processes drawing at once
   * agree on the first one written.
   */
  logId(): Promise<string> {
    this.logIdentity ??= this.readOrDrawLogId().catch((error: unknown) => {
      this.logIdentity = undefined;
      throw error;
    });
    return this.logIdentity;
  }

  private async readOrDrawLogId(): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { metadata } = await this.client.getStreamMetadata(LOG_ID_STREAM).catch((error: unknown) => {
        throw translateEsdbError(error);
      });
      const id = (metadata as { [LOG_ID_KEY]?: unknown } | undefined)?.[LOG_ID_KEY];
      if (typeof id === 'string') return `eventstoredb:${id}`;
      try {
        await this.client.setStreamMetadata(LOG_ID_STREAM, { [LOG_ID_KEY]: randomUUID() }, { expectedRevision: NO_STREAM });
      } catch (error) {
        // Another process wrote it first: read theirs.
        if (!(error instanceof WrongExpectedVersionError)) throw translateEsdbError(error);
      }
    }
    throw new Error(`EventStoreDB: the log's identity in the metadata of "${LOG_ID_STREAM}" could not be read back`);
  }

  /** The last event of the port's log: walks back over the system records that follow it, however many. */
  async head(): Promise<string | null> {
    for await (const { resolved, position } of this.allRecords(BACKWARDS, END, null, 64)) if (isLogEvent(resolved)) return position;
    return null;
  }

  /**
   * A catch-up subscription that outlives drops: when the server goes away or the call fails for a reason that
   * passes (unavailable, deadline, not leader), it is made again from the last event delivered, after a delay
   * (`resubscribeDelaysMs`), until closed. Another error ends it with that error.
   */
  subscribe(fromCheckpoint: string | null): Subscription {
    let from: Position | typeof START = fromCheckpoint === null ? START : decodePosition(fromCheckpoint);
    let closed = false;
    let current: { unsubscribe(): Promise<void> } | undefined;
    let wake: (() => void) | undefined;
    const delays = this.resubscribeDelaysMs;
    const client = this.client;
    const upcasters = this.upcasters;
    return {
      async *[Symbol.asyncIterator]() {
        for (let failures = 0; !closed;) {
          const subscription = client.subscribeToAll({ fromPosition: from, filter: excludeSystemEvents() });
          current = subscription;
          try {
            for await (const resolved of subscription) {
              failures = 0;
              const event = toStoredEvent(resolved, upcasters);
              if (!event) continue;
              from = decodePosition(event.position);
              yield event;
              if (closed) return;
            }
          } catch (error) {
            if (closed) return;
            if (!isPassing(error)) throw translateEsdbError(error);
          } finally {
            if (!closed) void subscription.unsubscribe().catch(() => undefined);
          }
          if (closed) return;
          const delay = delays[Math.min(failures, delays.length - 1)] ?? 1_000;
          failures += 1;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      },
      close: async () => {
        closed = true;
        wake?.();
        await current?.unsubscribe();
      },
    };
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** Seals the log up to its last event now (`esdb-seals.ts`); null when nothing was written since the last seal. */
  createSeal(sealedBy: string): Promise<Seal | null> {
    return createEsdbSeal({ client: this.client, isLogEvent }, sealedBy);
  }

  listSeals(): Promise<Seal[]> {
    return listEsdbSeals(this.client);
  }

  /** Every chain and every seal, the report of `verifyEventLog` on PostgreSQL; `digest` must be one of the seals'. */
  verifyEventLog(options: { digest?: string } = {}): Promise<VerificationReport & { digestFound?: boolean }> {
    return verifyEsdbEventLog({ client: this.client, isLogEvent }, () => this.verifyChains(), options);
  }
}

/** An error after which the same call may succeed: the server away, slow, or not the leader. */
function isPassing(error: unknown): boolean {
  const type = (error as { type?: unknown })?.type;
  return type === 'unavailable' || type === 'deadline-exceeded' || type === 'not-leader' || type === 'timeout' || type === 'cancelled';
}

/**
 * The first result of a batch already stored in this stream (a retry), found by its ids: all of them, or a refusal
 * when only some are (a retry must resend the same batch).
 */
function priorAppend(state: StreamState, events: readonly NewEvent[]): AppendResult | undefined {
  const found = events.map((e) => state.byId.get(e.id.toLowerCase())).filter((e): e is StoredEvent => e !== undefined);
  if (found.length === 0) return undefined;
  if (found.length !== events.length) {
    throw new InvalidEventError('events', `${found.length} of ${events.length} event ids are already stored: a retry must resend the same batch`);
  }
  const last = found.reduce((a, b) => (a.revision > b.revision ? a : b));
  return { nextRevision: last.revision, position: last.position };
}
