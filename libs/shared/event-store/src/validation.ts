import { AppendTooLargeError, InvalidEventError } from './errors';
import type { ExpectedRevision, NewEvent } from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STREAM_NAME = 500;
const MAX_TYPE = 200;

export function validateStreamName(streamName: unknown): asserts streamName is string {
  if (typeof streamName !== 'string' || streamName.trim() === '') {
    throw new InvalidEventError('streamName', 'must be a non-empty string');
  }
  if (streamName.length > MAX_STREAM_NAME) {
    throw new InvalidEventError('streamName', `must be at most ${MAX_STREAM_NAME} characters`);
  }
  if (streamName.startsWith('$')) {
    throw new InvalidEventError('streamName', 'must not start with "$" (reserved for system streams)');
  }
}

export function validateExpected(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidEventError('expected', 'must be a revision (integer ≥ 0), "no_stream" or "any"');
}

/** Refuses anything JSON cannot carry faithfully: undefined, functions, symbols, bigint, NaN, class instances, cycles. */
function validateJson(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidEventError(path, 'is not a finite number');
    return;
  }
  if (typeof value !== 'object') throw new InvalidEventError(path, `is not JSON (${typeof value})`);
  if (seen.has(value)) throw new InvalidEventError(path, 'is a circular reference');
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => validateJson(item, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new InvalidEventError(path, `is not a plain object (${value.constructor?.name ?? 'unknown'})`);
    }
    for (const [key, item] of Object.entries(value)) validateJson(item, `${path}.${key}`, seen);
  }
  seen.delete(value);
}

function validateIsoDate(value: unknown, path: string): void {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new InvalidEventError(path, 'must be an ISO 8601 date-time');
  }
}

export function validateEvents(events: unknown): asserts events is NewEvent[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventError('events', 'must be a non-empty array');
  }
  const ids = new Set<string>();
  events.forEach((event: Partial<NewEvent> | undefined, i) => {
    const at = `events[${i}]`;
    if (event === null || typeof event !== 'object') throw new InvalidEventError(at, 'must be an object');
    if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new InvalidEventError(`${at}.id`, 'must be a UUID');
    const id = event.id.toLowerCase();
    if (ids.has(id)) throw new InvalidEventError(`${at}.id`, 'is repeated within the same append');
    ids.add(id);
    if (typeof event.type !== 'string' || event.type.trim() === '') {
      throw new InvalidEventError(`${at}.type`, 'must be a non-empty string');
    }
    if (event.type.length > MAX_TYPE || event.type.startsWith('$')) {
      throw new InvalidEventError(`${at}.type`, `must be at most ${MAX_TYPE} characters and not start with "$"`);
    }
    if (!Number.isInteger(event.schemaVersion) || (event.schemaVersion as number) < 1) {
      throw new InvalidEventError(`${at}.schemaVersion`, 'must be an integer ≥ 1');
    }
    if (event.data === undefined) throw new InvalidEventError(`${at}.data`, 'is missing');
    validateJson(event.data, `${at}.data`, new Set());
    const envelope = event.envelope;
    if (envelope === null || typeof envelope !== 'object') throw new InvalidEventError(`${at}.envelope`, 'is missing');
    const actor = envelope.actor;
    if (actor === null || typeof actor !== 'object') throw new InvalidEventError(`${at}.envelope.actor`, 'is missing');
    for (const key of ['userId', 'role', 'organisation'] as const) {
      if (typeof actor[key] !== 'string' || actor[key].trim() === '') {
        throw new InvalidEventError(`${at}.envelope.actor.${key}`, 'must be a non-empty string');
      }
    }
    validateIsoDate(envelope.occurredAt, `${at}.envelope.occurredAt`);
    validateJson(envelope, `${at}.envelope`, new Set());
  });
}

/**
 * The most one append may weigh, as `measureAppend` counts it, on every adapter. EventStoreDB refuses an append larger
 * than its `MaxAppendSize` (1 MiB unless raised, 16,767,216 bytes at most); this limit lets the contract's 10,000-event
 * append and 1 MB payload through with room to spare, and the compose file raises the server's above it. The numbers:
 * docs/adr/0011-append-size.md.
 */
export const MAX_APPEND_BYTES = 8 * 1024 * 1024;

/**
 * What each event of an append weighs on top of its data, envelope and type: room for what an adapter writes beside the
 * envelope. EventStoreDB's adapter adds at most 172 bytes of metadata to it (schema version, hash, append id, "$" of the
 * correlation keys).
 */
export const EVENT_OVERHEAD_BYTES = 256;

/** The JSON texts of an append's events and what they weigh: an adapter that stores the texts need not serialise them again. */
export interface MeasuredAppend {
  bytes: number;
  data: string[];
  envelopes: string[];
}

/**
 * The size of an append, counted as EventStoreDB counts it (UTF-8 bytes of the data and of the metadata, plus twice the
 * type's UTF-16 length), with the envelope's JSON standing for the metadata and `EVENT_OVERHEAD_BYTES` for what the
 * adapter adds to it. Expects events that passed `validateEvents`.
 */
export function measureAppend(events: readonly NewEvent[]): MeasuredAppend {
  const data = new Array<string>(events.length);
  const envelopes = new Array<string>(events.length);
  let bytes = 0;
  for (let i = 0; i < events.length; i += 1) {
    const event = events[i];
    data[i] = JSON.stringify(event.data);
    envelopes[i] = JSON.stringify(event.envelope);
    bytes += Buffer.byteLength(data[i], 'utf8') + Buffer.byteLength(envelopes[i], 'utf8') + 2 * event.type.length + EVENT_OVERHEAD_BYTES;
  }
  return { bytes, data, envelopes };
}

/** Refuses an append larger than `MAX_APPEND_BYTES` before anything is written; call it after `validateEvents`. */
export function checkAppendSize(streamName: string, events: readonly NewEvent[]): MeasuredAppend {
  const measured = measureAppend(events);
  if (measured.bytes > MAX_APPEND_BYTES) throw new AppendTooLargeError(streamName, measured.bytes, MAX_APPEND_BYTES);
  return measured;
}
