import { chainHash, contentDigest } from '../hash-chain';

/**
 * The hash chain on EventStoreDB. The formula is the PostgreSQL adapter's (`hash-chain.ts`); what differs is the text
 * hashed: EventStoreDB keeps an event's data and metadata as the JSON bytes the client sent, so the digest covers
 * `JSON.stringify(data)` and the metadata's JSON without the hash itself, and the hash travels in the metadata under
 * `CHAIN_KEY`. Reading an event back and stringifying it again gives the same text (JSON.parse then JSON.stringify is
 * the identity on text that JSON.stringify wrote).
 */
export const CHAIN_KEY = 'erbmHash';

export interface ChainedContent {
  id: string;
  streamName: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  /** The event's metadata without `CHAIN_KEY`, keys in the order they were written. */
  metadata: Record<string, unknown>;
}

export function esdbEventHash(previous: string | null, revision: number, e: ChainedContent): string {
  const digest = contentDigest({
    id: e.id,
    streamName: e.streamName,
    type: e.type,
    schemaVersion: e.schemaVersion,
    dataText: JSON.stringify(e.data),
    envelopeText: JSON.stringify(e.metadata),
  });
  return chainHash(previous === null ? null : Buffer.from(previous, 'hex'), revision, digest).toString('hex');
}

/** The metadata of each new event with its hash, chained from the stream's tip (revision -1 and null: a new stream). */
export function chainNewEvents(tip: { revision: number; hash: string | null }, events: readonly ChainedContent[]): Record<string, unknown>[] {
  let previous = tip.hash;
  return events.map((e, i) => {
    const hash = esdbEventHash(previous, tip.revision + 1 + i, e);
    previous = hash;
    return { ...e.metadata, [CHAIN_KEY]: hash };
  });
}

/** Splits stored metadata into the hashed part and the hash. */
export function splitChainedMetadata(metadata: Record<string, unknown>): { metadata: Record<string, unknown>; hash: string | undefined } {
  const { [CHAIN_KEY]: hash, ...rest } = metadata;
  return { metadata: rest, hash: typeof hash === 'string' ? hash : undefined };
}

export interface EsdbChainBreak {
  streamName: string;
  revision: number;
  eventId: string | null;
  position: string | null;
  reason: string;
}

/**
 * Checks events fed in log order, stream by stream: each stored hash against the one recomputed from the previous
 * stored hash, and revisions 0, 1, 2… without a hole (a truncated or scavenged beginning shows as missing revisions).
 */
export class EsdbChainVerifier {
  private readonly tips = new Map<string, { revision: number; hash: string | null }>();
  readonly breaks: EsdbChainBreak[] = [];
  eventsChecked = 0;

  constructor(private readonly limit = 100) {}

  check(e: ChainedContent & { revision: number; position: string; hash: string | undefined }): void {
    this.eventsChecked += 1;
    const tip = this.tips.get(e.streamName) ?? { revision: -1, hash: null };
    this.tips.set(e.streamName, { revision: e.revision, hash: e.hash ?? null });
    if (this.breaks.length >= this.limit) return;
    const at = { streamName: e.streamName, revision: e.revision, eventId: e.id, position: e.position };
    if (e.revision !== tip.revision + 1) {
      const from = tip.revision + 1;
      this.breaks.push({ ...at, reason: `revision ${from}${e.revision - from > 1 ? `-${e.revision - 1}` : ''} missing before this event` });
    } else if (e.hash === undefined) {
      this.breaks.push({ ...at, reason: 'the event carries no hash' });
    } else if (e.hash !== esdbEventHash(tip.hash, e.revision, e)) {
      this.breaks.push({ ...at, reason: 'content or hash altered: the stored hash does not match the event' });
    }
  }

  get streamsChecked(): number {
    return this.tips.size;
  }
}
