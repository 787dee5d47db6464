import { createHash } from 'node:crypto';
import { CONTENT_DIGEST_SQL, foldIntoSeal } from '../hash-chain';
import { LOG_HORIZON } from './log-horizon';
import type { SqlDatabase, SqlExecutor } from './sql-database';

export interface ChainBreak {
  streamName: string;
  revision: number;
  eventId: string | null;
  position: string | null;
  reason: string;
}

export interface Seal {
  sealNumber: number;
  upToPosition: string | null;
  events: number;
  digest: string;
  previousDigest: string | null;
  sealedAt: string;
  sealedBy: string;
}

export interface SealBreak {
  sealNumber: number;
  digest: string;
  reason: string;
}

export interface VerificationReport {
  ok: boolean;
  eventsChecked: number;
  streamsChecked: number;
  sealsChecked: number;
  /** The first event, in log order, whose hash or place in its stream does not match. */
  firstBreak: ChainBreak | null;
  breaks: ChainBreak[];
  sealBreaks: SealBreak[];
  seconds: number;
}

/**
 * Every stream's chain, recomputed in one pass over the events table: each event's stored hash against
 * sha256(previous stored hash ‖ revision ‖ content digest), and revisions 0, 1, 2… without a hole. A stream row
 * whose revision is ahead of its last event means events at its end were deleted.
 */
export async function verifyChains(database: SqlDatabase, limit = 100): Promise<{ eventsChecked: number; streamsChecked: number; breaks: ChainBreak[] }> {
  // On a server the streams are checked in two halves at once, on two connections (the digests are most of the work);
  // the embedded database has one connection.
  const parts = database.mode === 'server' ? 2 : 1;
  const [halves, tails, counts] = await Promise.all([
    Promise.all(Array.from({ length: parts }, (_, part) => database.transaction((db) => chainBreaks(db, part, parts, limit)))),
    database.query<{ stream_name: string; revision: string; last: string | null }>(
      // A stream whose row says it is further than its last event lost events at its end: one index probe per stream.
      `SELECT s.stream_name, s.revision::text, t.last::text AS last
         FROM event_store.streams s, LATERAL (SELECT max(e.revision) AS last FROM event_store.events e WHERE e.stream_name = s.stream_name) t
        WHERE s.revision <> coalesce(t.last, -1)
        ORDER BY s.stream_name LIMIT $1`,
      [limit],
    ),
    database.query<{ events: string; streams: string }>(
      `SELECT count(*)::text AS events, count(DISTINCT stream_name COLLATE "C")::text AS streams FROM event_store.events`,
    ),
  ]);
  const inLogOrder = (a: ChainBreak, b: ChainBreak) => {
    const [at, ag] = splitPosition(a.position).map(BigInt);
    const [bt, bg] = splitPosition(b.position).map(BigInt);
    return at === bt ? Number(ag - bg) : at < bt ? -1 : 1;
  };
  const breaks = halves.flat().sort(inLogOrder).slice(0, limit);
  for (const t of tails)
    breaks.push({
      streamName: t.stream_name,
      revision: Number(t.last ?? -1) + 1,
      eventId: null,
      position: null,
      reason: `events ${Number(t.last ?? -1) + 1}-${t.revision} missing at the end of the stream (it was at revision ${t.revision})`,
    });
  return { eventsChecked: Number(counts[0].events), streamsChecked: Number(counts[0].streams), breaks };
}

/** The breaks of the streams of one part (of `parts`, by a hash of their name), in log order. */
async function chainBreaks(db: SqlExecutor, part: number, parts: number, limit: number): Promise<ChainBreak[]> {
  // The window sorts the whole part by stream: in memory, not in temporary files. The query is planned once: no JIT.
  await db.query(`SET LOCAL work_mem = '512MB'`);
  await db.query(`SET LOCAL jit = off`);
  // Each event's content digest is computed before the sort (OFFSET 0 keeps the planner from moving it after), so that
  // the sort carries narrow rows; streams are ordered bytewise (COLLATE "C"), which is all a partition needs.
  const rows = await db.query<{ stream_name: string; revision: string; event_id: string; position: string; reason: string }>(
    `WITH digested AS (
       SELECT e.transaction_id, e.global_position, e.event_id, e.stream_name, e.revision, e.hash, ${CONTENT_DIGEST_SQL} AS digest
         FROM event_store.events e WHERE $2::int = 1 OR abs(hashtext(e.stream_name) % $2::int) = $3::int OFFSET 0),
     checked AS (
       SELECT d.transaction_id, d.global_position, d.event_id, d.stream_name, d.revision, d.hash,
              lag(d.revision) OVER w AS previous_revision,
              sha256(coalesce(lag(d.hash) OVER w, ''::bytea) || convert_to(d.revision::text, 'UTF8') || d.digest) AS expected
         FROM digested d
       WINDOW w AS (PARTITION BY d.stream_name COLLATE "C" ORDER BY d.revision))
     SELECT stream_name, revision::text,
            event_id::text, transaction_id::text || '/' || global_position::text AS position,
            CASE WHEN revision <> coalesce(previous_revision + 1, 0)
                 THEN 'revision ' || coalesce(previous_revision + 1, 0)::text || CASE WHEN revision - coalesce(previous_revision + 1, 0) > 1 THEN '-' || (revision - 1)::text ELSE '' END || ' missing before this event'
                 ELSE 'content or hash altered: the stored hash does not match the event' END AS reason
       FROM checked
      WHERE revision <> coalesce(previous_revision + 1, 0) OR hash IS DISTINCT FROM expected
      ORDER BY transaction_id, global_position
      LIMIT $1`,
    [limit, parts, part],
  );
  return rows.map((r) => ({ streamName: r.stream_name, revision: Number(r.revision), eventId: r.event_id, position: r.position, reason: r.reason }));
}

interface SealRow {
  seal_number: string;
  up_to_position: string | null;
  events: string;
  digest: string;
  previous_digest: string | null;
  sealed_at: string;
  sealed_by: string;
}

const toSeal = (r: SealRow): Seal => ({
  sealNumber: Number(r.seal_number),
  upToPosition: r.up_to_position,
  events: Number(r.events),
  digest: r.digest,
  previousDigest: r.previous_digest,
  sealedAt: r.sealed_at,
  sealedBy: r.sealed_by,
});

const SEAL_COLUMNS = `seal_number::text, up_to_position, events::text, encode(digest, 'hex') AS digest, encode(previous_digest, 'hex') AS previous_digest,
  to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sealed_at, sealed_by`;

export async function listSeals(db: SqlExecutor): Promise<Seal[]> {
  return (await db.query<SealRow>(`SELECT ${SEAL_COLUMNS} FROM event_store.seals s ORDER BY s.seal_number`)).map(toSeal);
}

export async function latestSeal(db: SqlExecutor): Promise<Seal | null> {
  const [row] = await db.query<SealRow>(`SELECT ${SEAL_COLUMNS} FROM event_store.seals s ORDER BY s.seal_number DESC LIMIT 1`);
  return row ? toSeal(row) : null;
}

interface LogRow {
  txid: string;
  gp: string;
  stream_name: string;
  revision: string;
  recorded_ms: string;
  hash: Uint8Array | null;
}

/**
 * Folds the events after `after` up to `upTo` (inclusive; null: the visible head) in log order into a seal digest
 * (`foldIntoSeal`). Only a fold to the head stops at the log's horizon: every event up to a seal's position was
 * committed when the seal was made (the seal stopped below that horizon), so a verification folds them all whatever
 * runs now. Held back by a transaction that the horizon could not tell was another database's, a verification would
 * otherwise see fewer events than were sealed and report the log altered.
 */
async function foldLog(db: SqlExecutor, previous: Buffer | null, after: [string, string], upTo: [string, string] | null, onEvent?: () => void) {
  const digest = createHash('sha256').update(previous ?? Buffer.alloc(0));
  let cursor = after;
  let events = 0;
  let last: [string, string] | null = null;
  for (;;) {
    const rows = await db.query<LogRow>(
      `SELECT transaction_id::text AS txid, global_position::text AS gp, stream_name, revision::text,
              (extract(epoch FROM recorded_at) * 1000)::bigint::text AS recorded_ms, hash
         FROM event_store.events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND ($3::text IS NULL OR (transaction_id, global_position) <= ($3::text::xid8, $4::bigint))
          AND ($3::text IS NOT NULL OR transaction_id < ${LOG_HORIZON})
        ORDER BY transaction_id, global_position LIMIT 50000`,
      [cursor[0], cursor[1], upTo?.[0] ?? null, upTo?.[1] ?? null],
    );
    for (const r of rows) {
      foldIntoSeal(digest, { position: `${r.txid}/${r.gp}`, streamName: r.stream_name, revision: r.revision, recordedMs: r.recorded_ms, hash: r.hash });
      onEvent?.();
    }
    events += rows.length;
    if (rows.length) last = [rows[rows.length - 1].txid, rows[rows.length - 1].gp];
    if (rows.length < 50000) break;
    cursor = last as [string, string];
  }
  return { digest: digest.digest(), events, last };
}

const splitPosition = (position: string | null): [string, string] => (position ? (position.split('/') as [string, string]) : ['0', '0']);

/**
 * Seals the log up to its visible head: a digest of every event since the previous seal, chained to that seal's
 * digest. An auditor keeps the digest outside the system; `verifySeals` later proves nothing before it changed.
 * Returns null when nothing was written since the last seal.
 */
export async function createSeal(db: SqlDatabase, sealedBy: string): Promise<Seal | null> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('erbm.event_store.seal'))`);
    for (const setting of PAGES_IN_INDEX_ORDER) await tx.query(setting);
    const previous = await latestSeal(tx);
    const folded = await foldLog(tx, previous ? Buffer.from(previous.digest, 'hex') : null, splitPosition(previous?.upToPosition ?? null), null);
    if (folded.events === 0) return null;
    const position = `${folded.last?.[0]}/${folded.last?.[1]}`;
    const [row] = await tx.query<SealRow>(
      `INSERT INTO event_store.seals (seal_number, up_to_position, up_to_txid, up_to_global, events, digest, previous_digest, sealed_by)
       VALUES ($1, $2, $3::text::xid8, $4::bigint, $5, decode($6, 'hex'), decode($7, 'hex'), $8) RETURNING ${SEAL_COLUMNS}`,
      [
        (previous?.sealNumber ?? 0) + 1,
        position,
        folded.last?.[0],
        folded.last?.[1],
        folded.events,
        folded.digest.toString('hex'),
        previous?.digest ?? null,
        sealedBy,
      ],
    );
    return toSeal(row);
  });
}

/**
 * For the transaction that folds the log in pages: PostgreSQL underestimates the rows after a position (a comparison
 * of (xid8, bigint) rows) by a factor of a thousand, and would read the whole rest of the log into a bitmap and sort
 * it (or scan and sort the table) for every page of 50,000: 20 s instead of 4 for 1,000,000 events. The index gives
 * them in order.
 */
const PAGES_IN_INDEX_ORDER = [`SET LOCAL enable_bitmapscan = off`, `SET LOCAL enable_seqscan = off`];

/**
 * Recomputes every seal from the events now stored, in one transaction (one snapshot of the log): a seal that no
 * longer matches proves a change before it.
 */
export async function verifySeals(db: SqlDatabase, onEvent?: () => void): Promise<{ sealsChecked: number; eventsFolded: number; breaks: SealBreak[] }> {
  return db.transaction(async (tx) => {
    for (const setting of PAGES_IN_INDEX_ORDER) await tx.query(setting);
    return foldSeals(tx, onEvent);
  });
}

async function foldSeals(db: SqlExecutor, onEvent?: () => void): Promise<{ sealsChecked: number; eventsFolded: number; breaks: SealBreak[] }> {
  const seals = await listSeals(db);
  const breaks: SealBreak[] = [];
  let previous: Seal | null = null;
  let eventsFolded = 0;
  for (const seal of seals) {
    const folded = await foldLog(
      db,
      previous ? Buffer.from(previous.digest, 'hex') : null,
      splitPosition(previous?.upToPosition ?? null),
      splitPosition(seal.upToPosition),
      onEvent,
    );
    eventsFolded += folded.events;
    if (folded.digest.toString('hex') !== seal.digest)
      breaks.push({
        sealNumber: seal.sealNumber,
        digest: seal.digest,
        reason:
          folded.events === seal.events
            ? `the ${seal.events} events sealed up to ${seal.upToPosition} no longer give digest ${seal.digest}: one of them was altered`
            : `${seal.events} events were sealed up to ${seal.upToPosition}, ${folded.events} are there now: events were deleted or inserted`,
      });
    if (previous && seal.previousDigest !== previous.digest)
      breaks.push({ sealNumber: seal.sealNumber, digest: seal.digest, reason: `its previous digest is not seal ${previous.sealNumber}'s` });
    previous = seal;
  }
  return { sealsChecked: seals.length, eventsFolded, breaks };
}

/** Every chain and every seal; `digest`, when given, must be the digest of one of the seals. */
export async function verifyEventLog(db: SqlDatabase, options: { digest?: string } = {}): Promise<VerificationReport & { digestFound?: boolean }> {
  const started = Date.now();
  // On a server the chains (one SQL pass) and the seals (folded here) are checked at once, on two connections.
  const [chains, seals] = db.mode === 'server' ? await Promise.all([verifyChains(db), verifySeals(db)]) : [await verifyChains(db), await verifySeals(db)];
  const digestFound = options.digest === undefined ? undefined : (await listSeals(db)).some((s) => s.digest === options.digest?.toLowerCase());
  return verificationReport(chains, seals, digestFound, started);
}

/** The report of a verification: the chains' and the seals' findings, and whether the digest asked for was found. */
export function verificationReport(
  chains: { eventsChecked: number; streamsChecked: number; breaks: ChainBreak[] },
  seals: { sealsChecked: number; breaks: SealBreak[] },
  digestFound: boolean | undefined,
  started: number,
): VerificationReport & { digestFound?: boolean } {
  return {
    ok: chains.breaks.length === 0 && seals.breaks.length === 0 && digestFound !== false,
    eventsChecked: chains.eventsChecked,
    streamsChecked: chains.streamsChecked,
    sealsChecked: seals.sealsChecked,
    firstBreak: chains.breaks[0] ?? null,
    breaks: chains.breaks,
    sealBreaks: seals.breaks,
    seconds: (Date.now() - started) / 1000,
    ...(digestFound === undefined ? {} : { digestFound }),
  };
}
