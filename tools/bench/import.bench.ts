/**
 * Benchmark of the import sources on the real files (data/p147): how long each domain team's file takes to import, on
 * the embedded database and on the PostgreSQL server, first time (everything written), again (the same file: nothing
 * written) and as a dry run.
 *
 *   npm run bench:import [-- --server postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Each database is a fresh one (a temporary data folder; a new database on the server, dropped afterwards). The system
 * is composed as the import command composes it (every domain, no HTTP, read models caught up before each file, as the
 * command does); the timings are those of the import service alone. Progress goes to stderr, the table then one JSON
 * line to stdout. Targets (both P147 files): under 10 s on the server, under 30 s embedded.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { AuthModule, EventStoreModule, HttpApiModule, ImportsService, ReadModels, eventStoreConfigFromEnv } from '@erbm/shared/api';
import { everyDomain } from '@erbm/domains';

const ROOT = path.join(__dirname, '..', '..');
const FILES = [
  { source: 'adultes-relais', file: 'data/p147/p147_adulte_relais_59_62_2020_2023.csv' },
  { source: 'postes-fonjep', file: 'data/p147/p147_postes_fonjep_59_62_2020_2023.csv' },
];
const TARGET_MS = { embedded: 30_000, server: 10_000 };
const log = (message: string) => process.stderr.write(`${message}\n`);

interface Row {
  database: 'embedded' | 'server';
  source: string;
  rows: number;
  eventsWritten: number;
  firstMs: number;
  againMs: number;
  dryRunMs: number;
}

async function measure(database: Row['database'], env: Record<string, string>): Promise<Row[]> {
  Object.assign(process.env, env);
  const config = eventStoreConfigFromEnv();
  @Module({
    imports: [
      EventStoreModule.forRoot(config),
      AuthModule.forRoot({ jwtSecret: randomBytes(32).toString('hex') }),
      HttpApiModule,
      ...everyDomain({ projections: { run: false }, demo: false }),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
  const ctx = { principal: { userId: 'bench', role: 'editor' as const, organisation: 'bench' }, correlationId: 'bench-import' };
  const out: Row[] = [];
  try {
    const imports = app.get(ImportsService);
    for (const { source, file } of FILES) {
      const content = readFileSync(path.join(ROOT, file));
      const domain = imports.sources().find((s) => s.source.name === source)?.domain;
      const timed = async (dryRun: boolean) => {
        const started = performance.now();
        const report = await imports.run(domain, source, { fileName: path.basename(file), content }, ctx, { dryRun });
        return { report, ms: performance.now() - started };
      };
      await app.get(ReadModels).catchUp();
      const dry = await timed(true);
      const first = await timed(false);
      const again = await timed(false);
      if (!again.report.alreadyImported) throw new Error(`${source}: the same file again was not recognised`);
      out.push({
        database,
        source,
        rows: first.report.rowsRead,
        eventsWritten: first.report.eventsWritten,
        firstMs: Math.round(first.ms),
        againMs: Math.round(again.ms),
        dryRunMs: Math.round(dry.ms),
      });
      log(`${database} ${source}: ${first.report.rowsRead} rows, ${first.report.eventsWritten} events in ${Math.round(first.ms)} ms`);
    }
  } finally {
    await app.close();
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { server: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' } } });
  const rows: Row[] = [];
  const folder = mkdtempSync(path.join(os.tmpdir(), 'erbm-bench-import-'));
  try {
    rows.push(...(await measure('embedded', { ERBM_DATA_DIR: path.join(folder, 'data') })));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  delete process.env.ERBM_DATA_DIR;
  const name = `erbm_bench_import_${Date.now()}`;
  const admin = new Client({ connectionString: values.server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(values.server as string);
    url.pathname = `/${name}`;
    rows.push(...(await measure('server', { DATABASE_URL: url.toString() })));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  const totals = (db: Row['database']) => rows.filter((r) => r.database === db).reduce((s, r) => s + r.firstMs, 0);
  const table = [
    'database  source            rows  events   first (ms)  again (ms)  dry run (ms)',
    ...rows.map(
      (r) =>
        `${r.database.padEnd(9)} ${r.source.padEnd(16)} ${String(r.rows).padStart(5)} ${String(r.eventsWritten).padStart(7)} ${String(r.firstMs).padStart(12)} ${String(r.againMs).padStart(11)} ${String(r.dryRunMs).padStart(13)}`,
    ),
    `both files: embedded ${totals('embedded')} ms (target < ${TARGET_MS.embedded}), server ${totals('server')} ms (target < ${TARGET_MS.server})`,
  ];
  process.stdout.write(`${table.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'import', rows, bothFilesMs: { embedded: totals('embedded'), server: totals('server') }, targetMs: TARGET_MS })}\n`,
  );
}

main().catch((error: unknown) => {
  log(`bench:import failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
