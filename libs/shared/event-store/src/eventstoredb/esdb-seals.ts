import { type Hash, createHash, randomUUID } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  type EventStoreDBClient,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
} from '@eventstore/db-client';
import { foldIntoSeal } from '../hash-chain';
import { type ChainBreak, type Seal, type SealBreak, type VerificationReport, verificationReport } from '../postgres/tamper-evidence';
import { CHAIN_KEY } from './esdb-chain';

/**
 * Seals on EventStoreDB: one event per seal in a stream of their own. Its name starts with "$": the port refuses such
 * names to its callers (no stream of the domain can be it) and the adapter keeps system streams out of the port's log
 * (readAll, subscribe, head and countAfter never give a seal); on a secure node its default ACL lets only `$admins`
 * write it. A seal folds the port's log (`$all` without system events) after the previous seal up to the last event
 * read, with `foldIntoSeal`, the formula of the PostgreSQL seals, and is appended at the exact revision after the seal
 * it follows: two sealers never chain on the same seal.
 */
export const SEALS_STREAM = '$erbm-seals';
export const SEAL_TYPE = 'erbm.LogSealed';

/** What the seals use of EventStoreDB's client. */
export type SealClient = Pick<EventStoreDBClient, 'readAll' | 'readStream' | 'appendToStream'>;

export interface SealedLog {
  client: SealClient;
  /** The adapter's rule for the events of the port's log: what the seals fold. */
  isLogEvent(resolved: AllStreamResolvedEvent): boolean;
}

export type SealsReport = { sealsChecked: number; eventsFolded: number; breaks: SealBreak[] };
type ChainsReport = { eventsChecked: number; streamsChecked: number; breaks: ChainBreak[] };

/** An event of the seals stream: a seal and where it ends, or why it is not one. */
type StoredSeal = { revision: number; seal: Seal; upTo: Position; fault?: undefined } | { revision: number; seal?: undefined; fault: string; digest: string };

const HEX_DIGEST = /^[0-9a-f]{64}$/;

function parsePosition(text: unknown): Position | undefined {
  const match = typeof text === 'string' ? /^(0|[1-9]\d{0,19})\/(0|[1-9]\d{0,19})$/.exec(text) : null;
  return match ? { commit: BigInt(match[1]), prepare: BigInt(match[2]) } : undefined;
}

const isAfter = (a: Position, b: Position) => a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
const encode = (p: Position) => `${p.commit}/${p.prepare}`;

function readSeal(resolved: ResolvedEvent): StoredSeal {
  const event = resolved.event;
  const revision = Number(event?.revision ?? -1);
  const data = (event?.isJson && event.data !== null && typeof event.data === 'object' ? event.data : {}) as Partial<Record<keyof Seal, unknown>>;
  const upTo = parsePosition(data.upToPosition);
  const fault =
    event?.type !== SEAL_TYPE
      ? `it is not a seal (type ${String(event?.type)})`
      : data.sealNumber !== revision + 1
        ? `it says it is seal ${String(data.sealNumber)}, but it is event ${revision} of ${SEALS_STREAM}`
        : !upTo
          ? `its position ${String(data.upToPosition)} is not a position of this store`
          : typeof data.digest !== 'string' || !HEX_DIGEST.test(data.digest) || !(data.previousDigest === null || HEX_DIGEST.test(String(data.previousDigest)))
            ? 'its digests are not sha256 digests in hexadecimal'
            : !Number.isSafeInteger(data.events) || (data.events as number) < 1 || typeof data.sealedAt !== 'string' || typeof data.sealedBy !== 'string'
              ? 'its count, time or author is missing'
              : undefined;
  if (fault || !upTo) return { revision, fault: fault ?? '', digest: typeof data.digest === 'string' ? data.digest : '' };
  const seal: Seal = {
    sealNumber: revision + 1,
    upToPosition: encode(upTo),
    events: data.events as number,
    digest: data.digest as string,
    previousDigest: data.previousDigest as string | null,
    sealedAt: data.sealedAt as string,
    sealedBy: data.sealedBy as string,
  };
  return { revision, seal, upTo };
}

/** The seals stream from its start, or its last event only. */
async function readSeals(client: SealClient, lastOnly = false): Promise<StoredSeal[]> {
  const out: StoredSeal[] = [];
  try {
    for await (const resolved of client.readStream(SEALS_STREAM, lastOnly ? { direction: BACKWARDS, fromRevision: END, maxCount: 1 } : {}))
      out.push(readSeal(resolved));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return out;
}

export async function listEsdbSeals(client: SealClient): Promise<Seal[]> {
  return (await readSeals(client)).flatMap((s) => (s.seal ? [s.seal] : []));
}

/** The chain hash an event carries in its metadata, as bytes; null when it carries none. */
function hashOf(metadata: unknown): Buffer | null {
  const hash =
    metadata !== null && typeof metadata === 'object' && !(metadata instanceof Uint8Array) ? (metadata as Record<string, unknown>)[CHAIN_KEY] : undefined;
  if (typeof hash !== 'string') return null;
  // A hash that is not one (written by someone else) is folded as it is, so that changing it still breaks the seal.
  return HEX_DIGEST.test(hash) ? Buffer.from(hash, 'hex') : Buffer.from(hash, 'utf8');
}

function fold(digest: Hash, resolved: AllStreamResolvedEvent, position: Position): void {
  const event = resolved.event as NonNullable<AllStreamResolvedEvent['event']>;
  foldIntoSeal(digest, {
    position: encode(position),
    streamName: event.streamId,
    revision: String(event.revision),
    recordedMs: new Date(event.created).getTime(),
    hash: hashOf(event.metadata),
  });
}

const startFrom = (previousDigest: string | null) => createHash('sha256').update(previousDigest ? Buffer.from(previousDigest, 'hex') : Buffer.alloc(0));

/**
 * Seals the log up to the last event read now, chained to the last seal. Returns null when nothing was written since.
 * A sealer that lost the race to another folds again after the other's seal (`attempts` times at most).
 */
export async function createEsdbSeal(log: SealedLog, sealedBy: string, attempts = 5): Promise<Seal | null> {
  for (let attempt = 1; ; attempt += 1) {
    const [last] = await readSeals(log.client, true);
    if (last && !last.seal)
      throw new Error(`the last event of ${SEALS_STREAM} (revision ${last.revision}) is not a seal: ${last.fault}; npm run verify names what changed`);
    const digest = startFrom(last?.seal.digest ?? null);
    let events = 0;
    let upTo: Position | undefined;
    for await (const resolved of log.client.readAll({ fromPosition: last?.upTo ?? START })) {
      const position = resolved.event?.position;
      if (!position || !log.isLogEvent(resolved) || (last && !isAfter(position, last.upTo))) continue;
      fold(digest, resolved, position);
      events += 1;
      upTo = position;
    }
    if (!upTo) return null;
    const seal: Seal = {
      sealNumber: (last?.revision ?? -1) + 2,
      upToPosition: encode(upTo),
      events,
      digest: digest.digest('hex'),
      previousDigest: last?.seal.digest ?? null,
      sealedAt: new Date().toISOString(),
      sealedBy,
    };
    try {
      await log.client.appendToStream(SEALS_STREAM, [jsonEvent({ id: randomUUID(), type: SEAL_TYPE, data: { ...seal } })], {
        expectedRevision: last ? BigInt(last.revision) : NO_STREAM,
      });
      return seal;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt >= attempts) throw error;
    }
  }
}

const range = (from: number, to: number) => (from === to ? `seal ${from} is` : `seals ${from}-${to} are`);

/**
 * Recomputes every seal from the events now in `$all`, in one forward read up to the last seal. A seal whose digest
 * the events no longer give proves a change before it; a seal missing from its stream is named, and the seal after it
 * is not recomputed (where its events begin is gone with the missing one), the seals after that are.
 */
export async function verifyEsdbSeals(log: SealedLog): Promise<SealsReport & { seals: Seal[] }> {
  const stored = await readSeals(log.client);
  const breaks: SealBreak[] = [];
  let expectedRevision = 0;
  for (const s of stored) {
    const at = { sealNumber: s.revision + 1, digest: s.seal ? s.seal.digest : s.digest };
    if (s.revision > expectedRevision) breaks.push({ ...at, reason: `${range(expectedRevision + 1, s.revision)} missing from ${SEALS_STREAM} before it` });
    if (s.fault) breaks.push({ ...at, reason: `revision ${s.revision} of ${SEALS_STREAM} is not a seal this system writes: ${s.fault}` });
    expectedRevision = s.revision + 1;
  }
  const seals = stored.filter((s): s is Extract<StoredSeal, { seal: Seal }> => s.seal !== undefined);

  let next = 0;
  let previous: (typeof seals)[number] | undefined;
  let digest = startFrom(null);
  let folded = 0;
  let eventsFolded = 0;
  const finish = () => {
    const s = seals[next];
    const knownStart = previous ? s.revision === previous.revision + 1 : s.revision === 0;
    if (knownStart) {
      const now = digest.digest('hex');
      if (now !== s.seal.digest)
        breaks.push({
          sealNumber: s.seal.sealNumber,
          digest: s.seal.digest,
          reason:
            folded === s.seal.events
              ? `the ${s.seal.events} events sealed up to ${s.seal.upToPosition} no longer give digest ${s.seal.digest}: one of them, or the seal, was altered`
              : `${s.seal.events} events were sealed up to ${s.seal.upToPosition}, ${folded} are there now: events were deleted or inserted`,
        });
      if (s.seal.previousDigest !== (previous?.seal.digest ?? null))
        breaks.push({
          sealNumber: s.seal.sealNumber,
          digest: s.seal.digest,
          reason: previous ? `its previous digest is not seal ${previous.seal.sealNumber}'s` : 'it is the first seal, yet names a previous digest',
        });
    }
    previous = s;
    digest = startFrom(s.seal.digest);
    folded = 0;
    next += 1;
  };
  if (seals.length > 0)
    for await (const resolved of log.client.readAll({ fromPosition: START })) {
      const position = resolved.event?.position;
      if (!position || !log.isLogEvent(resolved)) continue;
      while (next < seals.length && isAfter(position, seals[next].upTo)) finish();
      if (next === seals.length) break;
      fold(digest, resolved, position);
      folded += 1;
      eventsFolded += 1;
    }
  while (next < seals.length) finish();
  breaks.sort((a, b) => a.sealNumber - b.sealNumber);
  return { sealsChecked: stored.length, eventsFolded, breaks, seals: seals.map((s) => s.seal) };
}

/**
 * Every chain (`verifyChains`, the adapter's) and every seal, read at once; `digest`, when given, must be the digest of
 * one of the seals. The same report as `verifyEventLog` on PostgreSQL.
 */
export async function verifyEsdbEventLog(
  log: SealedLog,
  verifyChains: () => Promise<ChainsReport>,
  options: { digest?: string } = {},
): Promise<VerificationReport & { digestFound?: boolean }> {
  const started = Date.now();
  const [chains, seals] = await Promise.all([verifyChains(), verifyEsdbSeals(log)]);
  const wanted = options.digest?.toLowerCase();
  const digestFound = wanted === undefined ? undefined : seals.seals.some((s) => s.digest === wanted);
  return verificationReport(chains, seals, digestFound, started);
}
