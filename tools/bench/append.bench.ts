/**
 * Benchmark of the PostgreSQL event store adapter against raw SQL on a plain table in the same database.
 *
 *   node -r @swc-node/register tools/bench/append.bench.ts
 *
 * Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): a server where the user may create
 * databases. BENCH_EVENTS (default 100000): events per write workload.
 *
 * The bench creates its own database `erbm_bench_<hex>` and drops it (WITH (FORCE)) at the end, even on error.
 * Progress goes to stderr; the report (markdown table, machine, targets) goes to stdout and ends with one JSON line.
 * Exit code is 0 whether or not the targets are met (non-zero only if the bench itself failed).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client, Pool, type PoolClient } from 'pg';
import { migrateEventStore, openSqlDatabase, PostgresEventStore, type NewEvent } from '@erbm/shared/event-store';

const ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 100;
const WRITERS = 8;
const STREAMS_PER_WRITER = 50;
const READ_PAGE = 10_000;
const TARGET_RATIO = 0.5;

if (!Number.isSafeInteger(N) || N < WRITERS) throw new Error(`BENCH_EVENTS must be an integer ≥ ${WRITERS}`);

const log = (message: string) => process.stderr.write(`${message}\n`);

function makeEvent(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'bench.AmountRecorded',
    schemaVersion: 1,
    data: { operationId: `op-${i % 1000}`, amountCents: (i * 7919) % 1_000_000, label: `payment ${i}` },
    envelope: {
      actor: { userId: `user-${i % 97}`, role: 'gestionnaire', organisation: 'erbm-bench' },
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      correlationId: randomUUID(),
    },
  };
}

function makeEvents(count: number, offset = 0): NewEvent[] {
  return Array.from({ length: count }, (_, i) => makeEvent(offset + i));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Splits `total` events among `WRITERS` writers (the first ones take the remainder). */
function perWriter(total: number): number[] {
  return Array.from({ length: WRITERS }, (_, k) => Math.floor(total / WRITERS) + (k < total % WRITERS ? 1 : 0));
}

async function timed(label: string, work: () => Promise<number>): Promise<{ events: number; seconds: number; rate: number }> {
  const start = performance.now();
  const events = await work();
  const seconds = (performance.now() - start) / 1000;
  const rate = events / seconds;
  log(`  ${label}: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(rate)} events/s`);
  return { events, seconds, rate };
}

// The baseline's table mirrors event_store.events column for column on purpose, but without the adapter's keys,
// stream table and transaction ids: the ratio is the price of what the adapter guarantees.
const RAW_TABLE = `CREATE TABLE raw_events (
  global_position bigserial PRIMARY KEY,
  event_id        uuid NOT NULL,
  stream_name     text NOT NULL,
  revision        bigint NOT NULL,
  type            text NOT NULL,
  schema_version  integer NOT NULL,
  data            json NOT NULL,
  envelope        json NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
)`;
const RAW_COLUMNS = 8;

function rawParams(streamName: string, firstRevision: number, events: readonly NewEvent[]): unknown[] {
  const params: unknown[] = [];
  events.forEach((e, i) => {
    params.push(e.id, streamName, firstRevision + i, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.envelope), e.envelope.occurredAt);
  });
  return params;
}

function rawInsertSql(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => {
    const p = Array.from({ length: RAW_COLUMNS }, (_, c) => `$${r * RAW_COLUMNS + c + 1}`);
    return `(${p.join(', ')})`;
  });
  return `INSERT INTO raw_events (event_id, stream_name, revision, type, schema_version, data, envelope, occurred_at)
          VALUES ${tuples.join(', ')}`;
}

type Store = PostgresEventStore;

async function adapterBatches(store: Store, batches: NewEvent[][], prefix: string): Promise<number> {
  let count = 0;
  for (let b = 0; b < batches.length; b += 1) {
    await store.append(`${prefix}-${b}`, batches[b], 'no_stream');
    count += batches[b].length;
  }
  return count;
}

async function rawBatches(pool: Pool, batches: NewEvent[][], prefix: string): Promise<number> {
  const fullSql = rawInsertSql(BATCH);
  let count = 0;
  for (let b = 0; b < batches.length; b += 1) {
    const batch = batches[b];
    await pool.query(batch.length === BATCH ? fullSql : rawInsertSql(batch.length), rawParams(`${prefix}-${b}`, 0, batch));
    count += batch.length;
  }
  return count;
}

async function adapterConcurrent(store: Store, writers: NewEvent[][], prefix: string): Promise<number> {
  const counts = await Promise.all(
    writers.map(async (events, k) => {
      for (let n = 0; n < events.length; n += 1) {
        await store.append(`${prefix}w${k}-${n % STREAMS_PER_WRITER}`, [events[n]], 'any');
      }
      return events.length;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function rawConcurrent(pool: Pool, writers: NewEvent[][], prefix: string): Promise<number> {
  const sql = rawInsertSql(1);
  const clients: PoolClient[] = await Promise.all(writers.map(() => pool.connect()));
  try {
    const counts = await Promise.all(
      writers.map(async (events, k) => {
        const client = clients[k];
        const revisions = new Array<number>(STREAMS_PER_WRITER).fill(0);
        for (let n = 0; n < events.length; n += 1) {
          const s = n % STREAMS_PER_WRITER;
          await client.query(sql, rawParams(`${prefix}w${k}-${s}`, revisions[s]++, [events[n]]));
        }
        return events.length;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    for (const c of clients) c.release();
  }
}

async function adapterReadAll(store: Store): Promise<number> {
  let checkpoint: string | null = null;
  let count = 0;
  for (;;) {
    const page = await store.readAll(checkpoint, READ_PAGE);
    count += page.events.length;
    checkpoint = page.checkpoint;
    if (page.isEnd) return count;
  }
}

async function rawReadAll(pool: Pool): Promise<number> {
  const result = await pool.query('SELECT * FROM raw_events ORDER BY global_position');
  return result.rows.length;
}

interface Row {
  adapter: number;
  raw: number;
  ratio: number;
}

async function run(benchUrl: string, serverVersion: string): Promise<void> {
  const db = await openSqlDatabase({ databaseUrl: benchUrl, poolSize: WRITERS });
  const store = new PostgresEventStore(db);
  const pool = new Pool({ connectionString: benchUrl, max: WRITERS });
  pool.on('error', () => undefined);
  try {
    await migrateEventStore(db);
    await pool.query(RAW_TABLE);

    // Same data, generated before timing; each side gets its own ids (event ids are unique in the adapter).
    log(`Generating events (N = ${N})…`);
    const adapterBatchEvents = chunk(makeEvents(N), BATCH);
    const rawBatchEvents = chunk(makeEvents(N), BATCH);
    const split = perWriter(N);
    const adapterWriterEvents = split.map((n, k) => makeEvents(n, k * 1_000_000));
    const rawWriterEvents = split.map((n, k) => makeEvents(n, k * 1_000_000));

    // Warm-up of both sides (JIT, connections, plans); these events stay and are counted by the read workload.
    log('Warm-up…');
    await adapterBatches(store, chunk(makeEvents(2_000), BATCH), 'warm-b');
    await rawBatches(pool, chunk(makeEvents(2_000), BATCH), 'warm-b');
    await adapterConcurrent(
      store,
      perWriter(800).map((n) => makeEvents(n)),
      'warm-',
    );
    await rawConcurrent(
      pool,
      perWriter(800).map((n) => makeEvents(n)),
      'warm-',
    );
    await adapterReadAll(store);
    await rawReadAll(pool);

    log(`Workload 1: batches of ${BATCH} per append, sequential`);
    const a1 = await timed('adapter', () => adapterBatches(store, adapterBatchEvents, 'b'));
    const r1 = await timed('raw    ', () => rawBatches(pool, rawBatchEvents, 'b'));

    log(`Workload 2: single-event appends, ${WRITERS} concurrent writers`);
    const a2 = await timed('adapter', () => adapterConcurrent(store, adapterWriterEvents, ''));
    const r2 = await timed('raw    ', () => rawConcurrent(pool, rawWriterEvents, ''));

    log(`Workload 3: read everything in order (adapter: readAll pages of ${READ_PAGE})`);
    const a3 = await timed('adapter', () => adapterReadAll(store));
    const r3 = await timed('raw    ', () => rawReadAll(pool));
    if (a3.events !== r3.events) log(`  note: adapter read ${a3.events} events, raw read ${r3.events}`);

    const row = (a: { rate: number }, r: { rate: number }): Row => ({
      adapter: Math.round(a.rate),
      raw: Math.round(r.rate),
      ratio: Number((a.rate / r.rate).toFixed(3)),
    });
    const results = {
      batch100: row(a1, r1),
      concurrent8: row(a2, r2),
      readAll: row(a3, r3),
    };
    const labels: Record<keyof typeof results, string> = {
      batch100: `append, batches of ${BATCH} (sequential)`,
      concurrent8: `append, 1 event, ${WRITERS} concurrent writers`,
      readAll: `readAll, pages of ${READ_PAGE} (${a3.events} events)`,
    };

    const cpus = os.cpus();
    const out: string[] = [];
    out.push('');
    out.push(`## Event store append benchmark (N = ${N} events per write workload)`);
    out.push('');
    out.push(
      `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
        `${os.type()} ${os.release()}; PostgreSQL ${serverVersion}; Node ${process.version}`,
    );
    out.push('');
    out.push('| workload | adapter events/s | raw events/s | ratio adapter/raw |');
    out.push('|---|---:|---:|---:|');
    for (const key of Object.keys(results) as (keyof typeof results)[]) {
      const r = results[key];
      out.push(`| ${labels[key]} | ${r.adapter} | ${r.raw} | ${r.ratio.toFixed(3)} |`);
    }
    out.push('');
    out.push(`Target: each ratio ≥ ${TARGET_RATIO}`);
    for (const key of Object.keys(results) as (keyof typeof results)[]) {
      const met = results[key].ratio >= TARGET_RATIO;
      out.push(`- ${key}: ${results[key].ratio.toFixed(3)} ${met ? 'MET' : 'NOT MET'}`);
    }
    out.push('');
    process.stdout.write(`${out.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'append', events: N, ...results })}\n`);
  } finally {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const dbName = `erbm_bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  let created = false;
  const drop = async () => {
    if (!created) return;
    created = false;
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    log(`Dropped database ${dbName}`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    drop()
      .catch((e) => log(`could not drop ${dbName}: ${String(e)}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    await admin.query(`CREATE DATABASE ${dbName}`);
    created = true;
    log(`Created database ${dbName} on ${url.host}`);
    await run(url.toString(), version);
    return 0;
  } catch (error) {
    log(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await drop().catch((e) => log(`could not drop ${dbName}: ${String(e)}`));
    await admin.end().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`Benchmark failed: ${String(error)}`);
    process.exit(1);
  },
);
