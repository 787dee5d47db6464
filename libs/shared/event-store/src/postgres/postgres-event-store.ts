import { type EventUpcasters, eventUpcasters } from '@erbm/shared/kernel';
import { InvalidEventError, WrongExpectedRevisionError } from '../errors';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllResult, ReadStreamOptions, StoredEvent, Subscription } from '../event-store.port';
import { checkAppendSize, measureAppend, validateEvents, validateExpected, validateStreamName, type MeasuredAppend } from '../validation';
import { chainHash, contentDigest } from '../hash-chain';
import { LOG_HORIZON } from './log-horizon';
import { migrateEventStore } from './migrations';
import { openSqlDatabase, type SqlDatabase, type SqlExecutor } from './sql-database';

interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_name: string;
  revision: string;
  type: string;
  schema_version: number;
  data: unknown;
  /** The JSON text: parsed when first read (a projection rarely reads it). */
  envelope: string | StoredEvent['envelope'];
  /** ISO 8601 in UTC, to the millisecond, formatted by the database. */
  recorded_at: string;
  hash: string;
}

const EVENT_COLUMNS = `global_position::text, transaction_id::text, event_id::text, stream_name, revision::text, type,
  schema_version, data, envelope::text AS envelope, to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at,
  encode(e.hash, 'hex') AS hash`;

/**
 * A position is the pair (writing transaction id, sequence number). Readers only see transactions older than the
 * oldest one of this database still running (`LOG_HORIZON`), ordered by that pair: a sequence number taken by a
 * transaction that commits late can never be overtaken by a reader. The transaction id is also the events' `appendId`: a
 * transaction's events are contiguous in that order and become visible together.
 */
function encodePosition(transactionId: string, globalPosition: string): string {
  return `${transactionId}/${globalPosition}`;
}

/** The first key of the advisory locks that queue writers of one stream (the second is the stream name's hash). */
const STREAM_LOCK_SPACE = 1_701;

const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;

/** The two numbers of a position as this store writes them (no leading zeros, within their types), or undefined. */
function parsePosition(text: unknown): [string, string] | undefined {
  const match = typeof text === 'string' ? /^(0|[1-9]\d{0,19})\/(0|[1-9]\d{0,18})$/.exec(text) : null;
  if (!match || BigInt(match[1]) > XID8_MAX || BigInt(match[2]) > BIGINT_MAX) return undefined;
  return [match[1], match[2]];
}

function decodePosition(checkpoint: string | null): [string, string] {
  if (checkpoint === null) return ['0', '0'];
  const parts = parsePosition(checkpoint);
  if (!parts) throw new InvalidEventError('checkpoint', `"${checkpoint}" is not a position of this store`);
  return parts;
}

/** A row as readers get it: its data upcast to the current schema version of its type. */
function toStoredEvent(row: EventRow, upcasters: EventUpcasters): StoredEvent {
  const { data, schemaVersion } = upcasters.upcast(row.type, row.data, Number(row.schema_version));
  const event = {
    id: row.event_id,
    type: row.type,
    schemaVersion,
    data,
    envelope: undefined as unknown as StoredEvent['envelope'],
    streamName: row.stream_name,
    revision: Number(row.revision),
    position: encodePosition(row.transaction_id, row.global_position),
    appendId: row.transaction_id,
    recordedAt: row.recorded_at,
    hash: row.hash,
  };
  // The envelope is parsed when first read: projections read millions of events and rarely their envelope. An own,
  // enumerable property all the same: spreading, comparing or serialising the event reads it.
  let envelope = row.envelope;
  Object.defineProperty(event, 'envelope', {
    enumerable: true,
    configurable: true,
    get: () => (typeof envelope === 'string' ? (envelope = JSON.parse(envelope) as StoredEvent['envelope']) : envelope),
    set: (value: StoredEvent['envelope']) => (envelope = value),
  });
  return event;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}

/**
 * Finds events already stored under these ids. When all of them are stored, in this stream, the original result is
 * returned (a retried append is a no-op); a partial overlap or another stream is refused.
 */
async function findPriorAppend(db: SqlExecutor, streamName: string, events: readonly NewEvent[]): Promise<AppendResult | undefined> {
  const rows = await db.query<{ event_id: string; stream_name: string; revision: string; position: string }>(
    `SELECT event_id::text, stream_name, revision::text, transaction_id::text || '/' || global_position::text AS position
       FROM event_store.events e WHERE e.event_id = ANY($1::uuid[]) ORDER BY e.revision`,
    [events.map((e) => e.id)],
  );
  if (rows.length === 0) return undefined;
  const elsewhere = rows.find((r) => r.stream_name !== streamName);
  if (elsewhere) {
    const index = events.findIndex((e) => e.id.toLowerCase() === elsewhere.event_id);
    throw new InvalidEventError(`events[${index}].id`, `is already stored in stream "${elsewhere.stream_name}"`);
  }
  if (rows.length !== events.length) {
    throw new InvalidEventError('events', `${rows.length} of ${events.length} event ids are already stored: a retry must resend the same batch`);
  }
  const last = rows[rows.length - 1];
  return { nextRevision: Number(last.revision), position: last.position };
}

/**
 * The statement that takes the stream's next revisions, guarded by the expected revision, and chains the new events'
 * hashes to the stream's last one. The stream row's lock serialises writers of a stream and, under READ COMMITTED,
 * the row is re-read at its latest version once the lock is granted: the chain always starts from the true last hash.
 */
function reserveStatement(expected: ExpectedRevision): string {
  const chained = (revision: string, previous: string) => `event_store.chain_hashes(${previous}, ${revision}, $9::text[])`;
  if (expected === 'no_stream') {
    return `INSERT INTO event_store.streams (stream_name, revision, appended_hashes, last_hash)
            SELECT $1, $2::bigint - 1, h, h[cardinality(h)] FROM (SELECT ${chained('0', 'NULL')} AS h) c
            ON CONFLICT (stream_name) DO NOTHING RETURNING revision, appended_hashes`;
  }
  if (expected === 'any') {
    return `INSERT INTO event_store.streams AS s (stream_name, revision, appended_hashes, last_hash)
            SELECT $1, $2::bigint - 1, h, h[cardinality(h)] FROM (SELECT ${chained('0', 'NULL')} AS h) c
            ON CONFLICT (stream_name) DO UPDATE SET revision = s.revision + $2,
              appended_hashes = ${chained('s.revision + 1', 's.last_hash')},
              last_hash = (${chained('s.revision + 1', 's.last_hash')})[$2::int]
            RETURNING revision, appended_hashes`;
  }
  return `UPDATE event_store.streams SET revision = revision + $2,
            appended_hashes = ${chained('revision + 1', 'last_hash')},
            last_hash = (${chained('revision + 1', 'last_hash')})[$2::int]
           WHERE stream_name = $1 AND revision = $10::bigint RETURNING revision, appended_hashes`;
}

/** The last event of a stream as this process last saw it: its revision and its hash. */
export interface ChainTip {
  revision: number;
  hash: Buffer;
}

/**
 * One statement: reserve the revisions (the stream row's lock serialises writers of one stream) and insert the
 * events. A statement is atomic on its own, so a single append needs no explicit transaction and one round trip.
 * When the caller knows the stream's tip (a new stream, or the revision and hash it last saw), the chain is computed
 * here and the statement only checks that the tip is still the stream's; otherwise the statement chains from the
 * stream row. Returns undefined when the expectation did not match (nothing was written).
 */
async function insertEvents(
  db: SqlExecutor,
  streamName: string,
  events: readonly NewEvent[],
  { data, envelopes }: MeasuredAppend,
  expected: ExpectedRevision,
  tip: ChainTip | 'new' | undefined,
): Promise<(AppendResult & { hash: Buffer }) | undefined> {
  const digests = events.map((e, i) =>
    contentDigest({ id: e.id, streamName, type: e.type, schemaVersion: e.schemaVersion, dataText: data[i], envelopeText: envelopes[i] }),
  );
  let reserve: string;
  let hashes: string[];
  let extra: unknown[];
  if (tip) {
    let previous: Buffer | null = tip === 'new' ? null : tip.hash;
    const base = tip === 'new' ? -1 : tip.revision;
    hashes = digests.map((d, i) => (previous = chainHash(previous, base + 1 + i, d)).toString('hex'));
    reserve =
      tip === 'new'
        ? `INSERT INTO event_store.streams (stream_name, revision, last_hash) VALUES ($1, $2::bigint - 1, decode($10, 'hex'))
           ON CONFLICT (stream_name) DO NOTHING RETURNING revision`
        : `UPDATE event_store.streams SET revision = revision + $2, last_hash = decode($10, 'hex')
            WHERE stream_name = $1 AND revision = $11::bigint AND last_hash = decode($12, 'hex') RETURNING revision`;
    extra = tip === 'new' ? [hashes[hashes.length - 1]] : [hashes[hashes.length - 1], tip.revision, tip.hash.toString('hex')];
  } else {
    hashes = digests.map((d) => d.toString('hex'));
    reserve = reserveStatement(expected);
    extra = typeof expected === 'number' ? [expected] : [];
  }
  const hashOf = tip ? `decode(($9::text[])[u.ord], 'hex')` : 'r.appended_hashes[u.ord]';
  const rows = await db.query<{ revision: string; position: string; hash: string }>(
    `WITH reserved AS (${reserve}),
     inserted AS (
       INSERT INTO event_store.events (event_id, stream_name, revision, type, schema_version, data, envelope, occurred_at, hash)
       SELECT u.event_id, $1, r.revision - $2::bigint + u.ord, u.type, u.schema_version, u.data, u.envelope, u.occurred_at, ${hashOf}
         FROM reserved r,
              unnest($3::uuid[], $4::text[], $5::int[], $6::json[], $7::json[], $8::timestamptz[])
              WITH ORDINALITY AS u(event_id, type, schema_version, data, envelope, occurred_at, ord)
        ORDER BY u.ord
       RETURNING revision, transaction_id, global_position, hash)
     SELECT revision::text, transaction_id::text || '/' || global_position::text AS position, encode(hash, 'hex') AS hash
       FROM inserted ORDER BY revision DESC LIMIT 1`,
    [
      streamName,
      events.length,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      data,
      envelopes,
      events.map((e) => e.envelope.occurredAt),
      hashes,
      ...extra,
    ],
  );
  if (rows.length === 0) return undefined;
  const [last] = rows;
  return { nextRevision: Number(last.revision), position: last.position, hash: Buffer.from(last.hash, 'hex') };
}

async function actualRevision(db: SqlExecutor, streamName: string): Promise<number | 'no_stream'> {
  const rows = await db.query<{ revision: string }>('SELECT revision::text FROM event_store.streams WHERE stream_name = $1', [streamName]);
  return rows.length ? Number(rows[0].revision) : 'no_stream';
}

/**
 * Appends inside a transaction the caller owns. `PostgresEventStore.append` is the normal entry point; this is
 * exported so that a test can hold a writing transaction open.
 */
export async function appendInTransaction(tx: SqlExecutor, streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
  const prior = await findPriorAppend(tx, streamName, events);
  if (prior) return prior;
  const result = await insertEvents(tx, streamName, events, measureAppend(events), expected, expected === 'no_stream' ? 'new' : undefined);
  if (result) return { nextRevision: result.nextRevision, position: result.position };
  throw new WrongExpectedRevisionError(streamName, expected, await actualRevision(tx, streamName));
}

export interface PostgresEventStoreOptions {
  /** Poll interval of subscriptions for writes made by other processes. */
  pollIntervalMs?: number;
  /** What events of older schema versions read as (default: the process's registry). */
  upcasters?: EventUpcasters;
}

export class PostgresEventStore implements EventStore {
  private readonly waiters = new Set<() => void>();
  /** Stream tips this process saw last (bounded): an append after a read chains here, in one round trip. */
  private readonly tips = new Map<string, ChainTip>();
  private readonly pollIntervalMs: number;
  private readonly upcasters: EventUpcasters;
  private logIdentity?: Promise<string>;

  constructor(
    readonly db: SqlDatabase,
    options: PostgresEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.upcasters = options.upcasters ?? eventUpcasters;
  }

  /** Opens the database (server when `databaseUrl` is given, embedded otherwise) and migrates the schema. */
  static async open(options: { databaseUrl?: string; dataDir?: string; poolSize?: number }): Promise<PostgresEventStore> {
    const db = await openSqlDatabase(options);
    await migrateEventStore(db);
    return new PostgresEventStore(db);
  }

  async append(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    validateStreamName(streamName);
    validateEvents(events);
    validateExpected(expected);
    const texts = checkAppendSize(streamName, events);
    let result: (AppendResult & { hash: Buffer }) | undefined;
    try {
      const known = this.tips.get(streamName);
      const tip = expected === 'no_stream' ? 'new' : known && (expected === 'any' || expected === known.revision) ? known : undefined;
      result = tip ? await insertEvents(this.db, streamName, events, texts, expected, tip) : await this.appendOnStreamRow(streamName, events, texts, expected);
      // A tip that is no longer the stream's (another process wrote): chain from the stream row instead.
      if (!result && tip && tip !== 'new') result = await this.appendOnStreamRow(streamName, events, texts, expected);
    } catch (error) {
      this.tips.delete(streamName);
      // These ids are stored already: a retry of a batch that was written is a no-op returning the first result.
      if (isUniqueViolation(error)) {
        const prior = await findPriorAppend(this.db, streamName, events);
        if (prior) return prior;
        // The stream row serialises writers, so only a concurrent first write to a new stream gets here.
        throw new WrongExpectedRevisionError(streamName, expected, await actualRevision(this.db, streamName));
      }
      throw error;
    }
    if (result) {
      this.remember(streamName, { revision: result.nextRevision, hash: result.hash });
      this.wakeSubscribers();
      return { nextRevision: result.nextRevision, position: result.position };
    }
    this.tips.delete(streamName);
    const prior = await findPriorAppend(this.db, streamName, events);
    if (prior) return prior;
    throw new WrongExpectedRevisionError(streamName, expected, await actualRevision(this.db, streamName));
  }

  /**
   * An append chained on the stream row. With "any", writers of one stream are queued on a lock taken before the
   * transaction writes anything, so the transaction ids, which order the global log, follow the order in which the
   * writers take the stream's revisions: otherwise two writers may get their ids in one order and the stream row's
   * lock in the other, and a reader of the log would meet a stream's revisions 2, 3 before 0, 1. An expected revision
   * or "no_stream" needs no queue: of two writers racing for the same revisions, only one writes.
   */
  private appendOnStreamRow(streamName: string, events: readonly NewEvent[], texts: MeasuredAppend, expected: ExpectedRevision) {
    if (expected !== 'any') return insertEvents(this.db, streamName, events, texts, expected, undefined);
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${STREAM_LOCK_SPACE}, hashtext($1))`, [streamName]);
      return insertEvents(tx, streamName, events, texts, expected, undefined);
    });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    validateStreamName(streamName);
    const recordedUpTo = options.recordedUpTo === undefined ? null : new Date(options.recordedUpTo);
    if (recordedUpTo && Number.isNaN(recordedUpTo.getTime())) {
      throw new InvalidEventError('recordedUpTo', 'must be a date');
    }
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store.events e
        WHERE stream_name = $1 AND revision >= $2 AND ($3::bigint IS NULL OR revision <= $3)
          AND ($4::timestamptz IS NULL OR recorded_at <= $4)
        ORDER BY e.revision`,
      [streamName, options.from ?? 0, options.to ?? null, recordedUpTo?.toISOString() ?? null],
    );
    const events = rows.map((row) => toStoredEvent(row, this.upcasters));
    const last = events[events.length - 1];
    if (last?.hash && options.to === undefined && recordedUpTo === null)
      this.remember(streamName, { revision: last.revision, hash: Buffer.from(last.hash, 'hex') });
    return events;
  }

  private remember(streamName: string, tip: ChainTip): void {
    this.tips.delete(streamName);
    this.tips.set(streamName, tip);
    if (this.tips.size > 50_000) this.tips.delete(this.tips.keys().next().value as string);
  }

  async readAll(fromCheckpoint: string | null, limit: number): Promise<ReadAllResult> {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidEventError('limit', 'must be an integer ≥ 1');
    const [transactionId, globalPosition] = decodePosition(fromCheckpoint);
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store.events e
        WHERE (e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
          AND e.transaction_id < ${LOG_HORIZON}
        ORDER BY e.transaction_id, e.global_position
        LIMIT $3`,
      [transactionId, globalPosition, limit],
    );
    const events = rows.map((row) => toStoredEvent(row, this.upcasters));
    return {
      events,
      checkpoint: events.length ? events[events.length - 1].position : fromCheckpoint,
      isEnd: events.length < limit,
    };
  }

  subscribe(fromCheckpoint: string | null): Subscription {
    return new PollingSubscription(this, fromCheckpoint, this.pollIntervalMs, this.waiters);
  }

  async countAfter(checkpoint: string | null): Promise<number> {
    const [transactionId, globalPosition] = decodePosition(checkpoint);
    const rows = await this.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM event_store.events e
        WHERE (e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
          AND e.transaction_id < ${LOG_HORIZON}`,
      [transactionId, globalPosition],
    );
    return Number(rows[0].n);
  }

  async head(): Promise<string | null> {
    const rows = await this.db.query<{ position: string }>(
      `SELECT transaction_id::text || '/' || global_position::text AS position FROM event_store.events
        WHERE transaction_id < ${LOG_HORIZON}
        ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return rows[0]?.position ?? null;
  }

  isPosition(text: string): boolean {
    return parsePosition(text) !== undefined;
  }

  /** The identity drawn when the log was created (migration 3), read once. */
  logId(): Promise<string> {
    if (!this.logIdentity) {
      const reading = this.db.query<{ log_id: string }>('SELECT log_id::text FROM event_store.log_identity').then(([row]) => `postgresql:${row.log_id}`);
      // A read that failed (an outage) is not kept: the next call reads again.
      reading.catch(() => {
        if (this.logIdentity === reading) this.logIdentity = undefined;
      });
      this.logIdentity = reading;
    }
    return this.logIdentity;
  }

  async close(): Promise<void> {
    this.wakeSubscribers();
    await this.db.close();
  }

  private wakeSubscribers(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

class PollingSubscription implements Subscription {
  private closed = false;
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly store: PostgresEventStore,
    private checkpoint: string | null,
    private readonly pollIntervalMs: number,
    private readonly waiters: Set<() => void>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<StoredEvent> {
    while (!this.closed) {
      const page = await this.store.readAll(this.checkpoint, 1000);
      for (const event of page.events) {
        if (this.closed) return;
        this.checkpoint = event.position;
        yield event;
      }
      if (page.isEnd && !this.closed) await this.waitForWrites();
    }
  }

  private waitForWrites(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        this.stopWaiting = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.waiters.add(done);
      this.stopWaiting = done;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWaiting?.();
  }
}
