import { type Hash, createHash } from 'node:crypto';

/**
 * Tamper evidence. Each event's hash chains it to the previous event of its stream:
 *   hash(r) = sha256( hash(r-1) ‖ utf8(decimal r) ‖ digest )      with hash(-1) = empty
 *   digest  = sha256( for each of id, stream, type, schemaVersion, data, envelope: utf8 length ":" utf8 text )
 * where data and envelope are the JSON texts exactly as stored. The PostgreSQL adapter computes the same in SQL
 * (`CONTENT_DIGEST_SQL`); the verifier recomputes both ways.
 */
export interface HashedContent {
  id: string;
  streamName: string;
  type: string;
  schemaVersion: number;
  dataText: string;
  envelopeText: string;
}

const field = (text: string) => `${Buffer.byteLength(text, 'utf8')}:${text}`;

export function contentDigest(e: HashedContent): Buffer {
  return createHash('sha256')
    .update([e.id.toLowerCase(), e.streamName, e.type, String(e.schemaVersion), e.dataText, e.envelopeText].map(field).join(''), 'utf8')
    .digest();
}

export function chainHash(previous: Buffer | null, revision: number, digest: Buffer): Buffer {
  return createHash('sha256')
    .update(previous ?? Buffer.alloc(0))
    .update(String(revision), 'utf8')
    .update(digest)
    .digest();
}

/** An event as a seal folds it: where it is in the log, in which stream, when it was recorded, and its chain hash. */
export interface SealedEvent {
  position: string;
  streamName: string;
  revision: number | string;
  /** recordedAt in milliseconds since the epoch. */
  recordedMs: number | string;
  hash: Uint8Array | null;
}

/**
 * Seals. A seal's digest folds, in log order, every event after the previous seal up to its position, starting from
 * the previous seal's digest (nothing for the first seal):
 *   digest = sha256( previous digest ‖ for each event: utf8("position|stream|revision|recordedAt in epoch ms|") ‖ its hash )
 * The chain hashes cover the events' content; the seal covers the hashes and where each event stands, so a rewrite that
 * recomputes the chains still breaks it. Each store folds its own positions (PostgreSQL `tx/seq`, EventStoreDB
 * `commit/prepare`).
 */
export function foldIntoSeal(digest: Hash, e: SealedEvent): void {
  digest.update(`${e.position}|${e.streamName}|${e.revision}|${e.recordedMs}|`, 'utf8');
  if (e.hash) digest.update(e.hash);
}

const fieldSql = (expr: string) => `octet_length(convert_to(${expr}, 'UTF8'))::text || ':' || ${expr}`;

/** The content digest of a row of event_store.events `e`, in SQL. */
export const CONTENT_DIGEST_SQL = `sha256(convert_to(${['e.event_id::text', 'e.stream_name', 'e.type', 'e.schema_version::text', 'e.data::text', 'e.envelope::text'].map(fieldSql).join(' || ')}, 'UTF8'))`;
