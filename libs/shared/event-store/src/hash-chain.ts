import { createHash } from 'node:crypto';

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

const fieldSql = (expr: string) => `octet_length(convert_to(${expr}, 'UTF8'))::text || ':' || ${expr}`;

/** The content digest of a row of event_store.events `e`, in SQL. */
export const CONTENT_DIGEST_SQL = `sha256(convert_to(${['e.event_id::text', 'e.stream_name', 'e.type', 'e.schema_version::text', 'e.data::text', 'e.envelope::text'].map(fieldSql).join(' || ')}, 'UTF8'))`;
