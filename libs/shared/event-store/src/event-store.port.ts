/**
 * The event store port. Every adapter (PostgreSQL, EventStoreDB) implements it and passes the same contract suite
 * (`contract/event-store.contract.ts`).
 *
 * Revisions count from 0 whatever the adapter: the first event of a stream has revision 0.
 * Positions in the global log are opaque strings: store them, hand them back, compare them for equality, never parse
 * them. What a caller needs to know about them the store answers: `isPosition`, `countAfter`, `StoredEvent.appendId`.
 */

export interface Actor {
  userId: string;
  role: string;
  organisation: string;
}

export interface SourceDocument {
  /** e.g. "arrete", "deliberation", "convention", "ej", "minutes", "import" */
  kind: string;
  reference: string;
  /** Optional content hash of an imported file. */
  sha256?: string;
}

/** What the caller says about an event besides its data. `recordedAt` is not here: the store sets it. */
export interface EventEnvelope {
  actor: Actor;
  /** The party (signatory or other actor) on whose behalf the fact was recorded. */
  onBehalfOf?: string;
  /** When it happened in the world (ISO 8601). */
  occurredAt: string;
  reason?: string;
  sourceDocument?: SourceDocument;
  correlationId?: string;
  causationId?: string;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface NewEvent<T extends string = string, D = unknown> {
  /** UUID chosen by the caller: re-appending the same id is a no-op, which makes retries safe. */
  id: string;
  /** Stable type name (never a class name), e.g. "ledger.CommitmentAnnounced". */
  type: T;
  schemaVersion: number;
  data: D;
  envelope: EventEnvelope;
}

export interface StoredEvent<T extends string = string, D = unknown> extends NewEvent<T, D> {
  streamName: string;
  revision: number;
  /** Opaque position of this event in the global log; pass it to readAll/subscribe to continue after it. */
  position: string;
  /**
   * Opaque id of the write that stored this event, shared by the events written together (one append; on PostgreSQL,
   * one transaction, which may hold several appends). They follow one another in the global log, and a reader never
   * sees part of one: a checkpoint taken after the last event of a write lies between two writes.
   */
  appendId: string;
  /** When the store committed it (ISO 8601). */
  recordedAt: string;
  /** sha256 (hex) chaining it to the previous event of its stream: see `hash-chain.ts`. */
  hash?: string;
}

export type ExpectedRevision = number | 'no_stream' | 'any';

export interface AppendResult {
  /** Revision of the last event of the append (the stream's revision after it). */
  nextRevision: number;
  /** Global position of the last event of the append. */
  position: string;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). */
  from?: number;
  /** Last revision to return (inclusive). */
  to?: number;
  /** Only events recorded at or before this instant: what the system knew then. */
  recordedUpTo?: Date | string;
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** Where the next read should start: the position of the last event returned, or the input checkpoint. */
  checkpoint: string | null;
  /** True when the read reached the head of the log visible now. */
  isEnd: boolean;
}

export interface Subscription extends AsyncIterable<StoredEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  append(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  readStream(streamName: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Events after `fromCheckpoint` (null: from the start) in the one total order of the global log. */
  readAll(fromCheckpoint: string | null, limit: number): Promise<ReadAllResult>;
  /** Catch-up subscription: everything after the checkpoint, then live events, until closed. */
  subscribe(fromCheckpoint: string | null): Subscription;
  /** Position of the last event of the log visible now (what a reader from the start would end on), null when empty. */
  head(): Promise<string | null>;
  /**
   * How many events readAll would deliver now after the checkpoint (null: from the start): the lag of a reader
   * standing there. EventStoreDB keeps no such count: there it costs a read of those events.
   */
  countAfter(checkpoint: string | null): Promise<number>;
  /**
   * Whether a text has the form of a position this store issues: what an API checks before taking a checkpoint from
   * a client. It does not read the log: a well-formed position past the head is still a position.
   */
  isPosition(text: string): boolean;
  /**
   * Names the log this store keeps, `<kind>:<identity>` (`postgresql:<uuid>`, `eventstoredb:<uuid>`): a position is a
   * position of that log only. Every store opened on one log names it alike, for as long as the log lives; another log
   * (another database or cluster, of the same kind or not) has another name. Checkpoints are tagged with it.
   */
  logId(): Promise<string>;
  close(): Promise<void>;
}
