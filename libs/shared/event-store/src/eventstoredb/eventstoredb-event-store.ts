import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  jsonEvent,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { InvalidEventError, WrongExpectedRevisionError } from '../errors';
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
import { validateEvents, validateExpected, validateStreamName } from '../validation';
import { type EsdbChainBreak, EsdbChainVerifier, chainNewEvents, splitChainedMetadata } from './esdb-chain';
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

function toStoredEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | undefined {
  const event = resolved.event;
  if (!event || !isLogEvent(resolved)) return undefined;
  const { metadata, hash } = splitChainedMetadata(event.metadata as unknown as Record<string, unknown>);
  const { schemaVersion, $correlationId, $causationId, [APPEND_KEY]: appendId, ...envelope } = metadata as unknown as StoredMetadata;
  const position = event.position ?? resolved.commitPosition;
  return {
    id: event.id,
    type: event.type,
    schemaVersion,
    data: event.data,
    envelope: {
      ...envelope,
      ...($correlationId === undefined ? {} : { correlationId: $correlationId }),
      ...($causationId === undefined ? {} : { causationId: $causationId }),
    },
    streamName: event.streamId,
    revision: Number(event.revision),
    position: typeof position === 'bigint' ? `${position}/${position}` : position ? encodePosition(position) : '0/0',
    // An event written alone, or before appends were marked, is an append of its own.
    appendId: typeof appendId === 'string' ? appendId : event.id,
    recordedAt: new Date(event.created).toISOString(),
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

/** Appends with expected revision 'any' that lost a race to another writer are chained again and retried this often. */
const ANY_RETRIES = 20;

/** The production adapter, on EventStoreDB's gRPC client. Revisions count from 0, as the port's do. */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  /**
   * Each event's hash chains it to the previous one of its stream, so the append is made against the tip it was chained
   * to: with the caller's expected revision when it names one, and with the tip just read when it says 'any' (a writer
   * that got in between makes the append fail, and it is chained again on the new tip).
   */
  async append(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    validateStreamName(streamName);
    validateEvents(events);
    validateExpected(expected);
    const appendId = events.length > 1 ? randomUUID() : undefined;
    for (let attempt = 0; ; attempt += 1) {
      const tail = await this.tailFor(streamName, events);
      const prior = this.priorAppend(tail, events);
      if (prior) return prior;
      const tip = tail[0] ? { revision: tail[0].revision, hash: tail[0].hash ?? null } : { revision: -1, hash: null };
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
        return {
          nextRevision: Number(result.nextExpectedRevision),
          position: result.position ? encodePosition(result.position) : '0/0',
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (expected === 'any' && attempt < ANY_RETRIES) continue;
        const again = this.priorAppend(await this.tailFor(streamName, events), events);
        if (again) return again;
        const current = error.actualVersion;
        throw new WrongExpectedRevisionError(streamName, expected, typeof current === 'bigint' ? Number(current) : 'no_stream');
      }
    }
  }

  /**
   * Every stream's hash chain, recomputed over the whole log in one forward read (EventStoreDB keeps no event apart
   * from its stream, so the check is a stream of the `$all` log). Returns the breaks in log order, at most `limit`.
   */
  async verifyChains(limit = 100): Promise<{ eventsChecked: number; streamsChecked: number; breaks: EsdbChainBreak[] }> {
    const verifier = new EsdbChainVerifier(limit);
    for await (const resolved of this.client.readAll({ fromPosition: START })) {
      const event = resolved.event;
      if (!event || !isLogEvent(resolved) || !event.position) continue;
      const { metadata, hash } = splitChainedMetadata(event.metadata as unknown as Record<string, unknown>);
      verifier.check({
        id: event.id,
        streamName: event.streamId,
        type: event.type,
        schemaVersion: (metadata as { schemaVersion?: number }).schemaVersion ?? 1,
        data: event.data,
        metadata,
        revision: Number(event.revision),
        position: encodePosition(event.position),
        hash,
      });
    }
    return { eventsChecked: verifier.eventsChecked, streamsChecked: verifier.streamsChecked, breaks: verifier.breaks };
  }

  /** EventStoreDB has no index by event id: look for the batch at the end of the stream, where a retry finds it. */
  private priorAppend(tail: StoredEvent[], events: readonly NewEvent[]): AppendResult | undefined {
    const ids = new Map(tail.map((e) => [e.id.toLowerCase(), e]));
    const found = events.map((e) => ids.get(e.id.toLowerCase())).filter((e): e is StoredEvent => e !== undefined);
    if (found.length === 0) return undefined;
    if (found.length !== events.length) {
      throw new InvalidEventError('events', `${found.length} of ${events.length} event ids are already stored: a retry must resend the same batch`);
    }
    const last = found.reduce((a, b) => (a.revision > b.revision ? a : b));
    return { nextRevision: last.revision, position: last.position };
  }

  /** The end of a stream, newest first: where a retried batch of these events would be, and the tip to chain on. */
  private tailFor(streamName: string, events: readonly NewEvent[]): Promise<StoredEvent[]> {
    return this.readBackwards(streamName, Math.max(events.length, 1) + 100);
  }

  private async readBackwards(streamName: string, maxCount: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamName, { direction: 'backwards', fromRevision: 'end', maxCount })) {
        const event = toStoredEvent(resolved);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    validateStreamName(streamName);
    const from = options.from ?? 0;
    const recordedUpTo = options.recordedUpTo === undefined ? undefined : new Date(options.recordedUpTo).getTime();
    const out: StoredEvent[] = [];
    try {
      const read = this.client.readStream(streamName, {
        fromRevision: BigInt(from),
        ...(options.to === undefined ? {} : { maxCount: BigInt(Math.max(0, options.to - from + 1)) }),
      });
      for await (const resolved of read) {
        const event = toStoredEvent(resolved);
        if (!event) continue;
        if (recordedUpTo !== undefined && Date.parse(event.recordedAt) > recordedUpTo) continue;
        out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readAll(fromCheckpoint: string | null, limit: number): Promise<ReadAllResult> {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidEventError('limit', 'must be an integer ≥ 1');
    const fromPosition = fromCheckpoint === null ? START : decodePosition(fromCheckpoint);
    const events: StoredEvent[] = [];
    let last = fromCheckpoint;
    let isEnd = true;
    let read = 0;
    // readAll includes the event at fromPosition, and system events count against maxCount: page until full.
    for await (const resolved of this.client.readAll({ fromPosition, maxCount: limit + 1 })) {
      read += 1;
      const position = resolved.event?.position;
      if (!position) continue;
      const encoded = encodePosition(position);
      if (encoded === fromCheckpoint) continue;
      const event = toStoredEvent(resolved);
      if (event && events.length === limit) {
        isEnd = false;
        break;
      }
      last = encoded;
      if (event) events.push(event);
    }
    return { events, checkpoint: last, isEnd: isEnd && read <= limit };
  }

  async countAfter(checkpoint: string | null): Promise<number> {
    let count = 0;
    // EventStoreDB counts nothing for $all: read what follows, as readAll would, and count the port's events.
    for await (const resolved of this.client.readAll({ fromPosition: checkpoint === null ? START : decodePosition(checkpoint) })) {
      const position = resolved.event?.position;
      if (position && encodePosition(position) !== checkpoint && isLogEvent(resolved)) count += 1;
    }
    return count;
  }

  isPosition(text: string): boolean {
    return parsePosition(text) !== undefined;
  }

  async head(): Promise<string | null> {
    // System events are not part of the port's log: walk back to the last user event.
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 4096 })) {
      const position = resolved.event?.position;
      if (position && toStoredEvent(resolved)) return encodePosition(position);
    }
    return null;
  }

  subscribe(fromCheckpoint: string | null): Subscription {
    const subscription = this.client.subscribeToAll({
      fromPosition: fromCheckpoint === null ? START : decodePosition(fromCheckpoint),
      filter: excludeSystemEvents(),
    });
    return {
      async *[Symbol.asyncIterator]() {
        for await (const resolved of subscription) {
          const event = toStoredEvent(resolved);
          if (event) yield event;
        }
      },
      close: () => subscription.unsubscribe(),
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
