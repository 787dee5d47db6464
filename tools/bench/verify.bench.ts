/**
 * Benchmark of tamper-evidence verification: every stream's hash chain and every seal, over a log of N events.
 *
 *   npm run bench:verify            (BENCH_EVENTS, default 1,000,000; DATABASE_URL, default the local server)
 *
 * Creates its own database `erbm_bench_<hex>`, fills it through the adapter (so every event is chained as in
 * production: ~100,000 streams, payloads shaped like ledger facts), seals it in ten seals, then times
 * `verifyEventLog` (chains in one SQL pass, seals folded in Node). Target: at least 100,000 events/s.
 * Ends with one JSON line; drops its database even on error.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { type NewEvent, PostgresEventStore, createSeal, migrateEventStore, openSqlDatabase, verifyEventLog } from '@erbm/shared/event-store';

const ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const STREAMS = Math.max(1, Math.floor(N / 10));
const BATCH = 10;
const WRITERS = 8;
const SEALS = 10;
const TARGET = 100_000;
const log = (message: string) => process.stderr.write(`${message}\n`);

function event(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: i % 10 === 0 ? 'ledger.CommitmentAnnounced' : 'ledger.PaymentMade',
    schemaVersion: 1,
    data: { amountCents: (i * 7919) % 100_000_000, date: '2023-03-01', kind: 'interim', reference: `DP-2023-${String(i).padStart(7, '0')}` },
    envelope: {
      actor: { userId: `user-${i % 97}`, role: 'editor', organisation: 'DDTM du Nord' },
      onBehalfOf: 'etat',
      occurredAt: '2023-03-01',
      correlationId: randomUUID(),
    },
  };
}

async function main(): Promise<void> {
  const name = `erbm_bench_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openSqlDatabase({ databaseUrl: url.toString(), poolSize: WRITERS + 2 });
  try {
    await migrateEventStore(db);
    const store = new PostgresEventStore(db);
    const started = performance.now();
    const perWriter = Math.ceil(N / BATCH / WRITERS);
    let written = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let b = 0; b < perWriter; b++) {
          const first = (w * perWriter + b) * BATCH;
          if (first >= N) return;
          const count = Math.min(BATCH, N - first);
          await store.append(
            `commitment-bench-${(first / BATCH) % STREAMS}`,
            Array.from({ length: count }, (_, k) => event(first + k)),
            'any',
          );
          written += count;
          if (written % 100_000 < count) log(`  written ${written.toLocaleString('en')} events`);
        }
      }),
    );
    log(`wrote ${written.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const sealStarted = performance.now();
    // Seals at intervals: each covers what was written since the previous one (here the whole log, then nothing).
    const seal = await createSeal(db, 'bench');
    const sealSeconds = (performance.now() - sealStarted) / 1000;
    for (let i = 1; i < SEALS; i++) await store.append(`commitment-bench-late-${i}`, [event(i)], 'no_stream').then(() => createSeal(db, 'bench'));
    log(
      `sealed ${seal?.events.toLocaleString('en')} events in ${sealSeconds.toFixed(1)} s (${Math.round((seal?.events ?? 0) / sealSeconds).toLocaleString('en')} events/s)`,
    );

    const verifyStarted = performance.now();
    const report = await verifyEventLog(db);
    const seconds = (performance.now() - verifyStarted) / 1000;
    const rate = Math.round(report.eventsChecked / seconds);
    const [{ version }] = await db.query<{ version: string }>('SHOW server_version');
    const machine = {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      ramGiB: Math.round(os.totalmem() / 2 ** 30),
      postgres: version,
      node: process.version,
    };
    process.stdout.write(`\n| workload | events | seconds | events/s | target |\n|---|---:|---:|---:|---:|\n`);
    process.stdout.write(
      `| seal (fold of the whole log) | ${seal?.events} | ${sealSeconds.toFixed(2)} | ${Math.round((seal?.events ?? 0) / sealSeconds)} | — |\n`,
    );
    process.stdout.write(
      `| verify every chain and ${report.sealsChecked} seals | ${report.eventsChecked} | ${seconds.toFixed(2)} | ${rate} | ≥ ${TARGET} ${rate >= TARGET ? 'met' : 'NOT MET'} |\n`,
    );
    process.stdout.write(
      `verification ok: ${report.ok}${report.firstBreak ? `, first break: ${JSON.stringify(report.firstBreak)}` : ''}${report.sealBreaks.length ? `, seal breaks: ${JSON.stringify(report.sealBreaks.slice(0, 2))}` : ''}; machine: ${JSON.stringify(machine)}\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'verify', events: report.eventsChecked, streams: report.streamsChecked, seals: report.sealsChecked, verifySeconds: seconds, verifyEventsPerSecond: rate, sealSeconds, ok: report.ok, targetMet: rate >= TARGET, machine })}\n`,
    );
  } finally {
    await db.close();
    if (process.env.BENCH_KEEP_DATABASE) log(`kept database ${url.toString()}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
