/**
 * Benchmark of the all-in-one process on the embedded database under concurrent writers: how long a write waits for the
 * single connection, and whether excess load is refused early (503 + Retry-After) instead of queueing for seconds.
 *
 *   npm run bench:embedded-writers -- [--writers 10,50] [--writes 20] [--timeout-ms 30000] [--env NAME=VALUE …]
 *
 * The real process (`npm start`: every domain, the projections and the financing-plan follower in one process) runs on
 * a fresh data folder with no demo seed; this process only sends requests, over HTTP on loopback. For each level of
 * concurrency, that many writers (each an editor of its own) register an operation of the first registered domain
 * (`samples.operationRequest` of its plugin), then each announce `--writes` commitments on it, one after the other,
 * each with its own Idempotency-Key. A write refused with 503 is sent again after its Retry-After (a client would);
 * every answer counts in the latencies. A client gives up on a request after `--timeout-ms` (counted as a timeout).
 * Each level runs twice: a warm-up round (not reported), then the measured round.
 *
 * Progress goes to stderr; the report goes to stdout and ends with one JSON line. Exit code 0 whether or not the
 * target is met (p99 < 1 s at 50 writers); 1 when the benchmark itself failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { mintLocalToken } from '@erbm/shared/auth';
import { DOMAINS } from '@erbm/domains';

const ROOT = path.join(__dirname, '..', '..');
const TARGET_P99_MS = 1_000;
const [domain] = DOMAINS;
const log = (message: string) => process.stderr.write(`${message}\n`);

interface Options {
  writers: number[];
  writes: number;
  timeoutMs: number;
  env: Record<string, string>;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      writers: { type: 'string', default: '10,50' },
      writes: { type: 'string', default: '20' },
      'timeout-ms': { type: 'string', default: '30000' },
      env: { type: 'string', multiple: true, default: [] },
    },
  });
  const positive = (text: string, name: string) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const env = Object.fromEntries(
    (values.env as string[]).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--env takes NAME=VALUE, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  return {
    writers: (values.writers as string).split(',').map((w) => positive(w, 'writers')),
    writes: positive(values.writes as string, 'writes'),
    timeoutMs: positive(values['timeout-ms'] as string, 'timeout-ms'),
    env,
  };
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

async function waitForHealth(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it answered`);
    const ok = await fetch(`${baseUrl}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the server did not answer /health within 180 s');
}

interface Sample {
  ms: number;
  status: number | 'timeout' | 'error';
}

interface Level {
  writers: number;
  writes: number;
  seconds: number;
  completed: number;
  writesPerSecond: number;
  answers: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  refused503: number;
  timeouts: number;
  errors: number;
  statuses: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function send(baseUrl: string, route: string, token: string, body: unknown, key: string, timeoutMs: number): Promise<Sample & { retryAfter?: number }> {
  const started = performance.now();
  try {
    const res = await fetch(`${baseUrl}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    const retryAfter = res.headers.get('retry-after');
    return { ms: performance.now() - started, status: res.status, ...(retryAfter ? { retryAfter: Number(retryAfter) } : {}) };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { ms: performance.now() - started, status: timedOut ? 'timeout' : 'error' };
  }
}

/** One keyed write, sent again after Retry-After while it is refused with 503 (at most 20 times). */
async function write(baseUrl: string, route: string, token: string, body: unknown, key: string, timeoutMs: number, samples: Sample[]): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const answer = await send(baseUrl, route, token, body, key, timeoutMs);
    samples.push({ ms: answer.ms, status: answer.status });
    if (answer.status !== 503) return typeof answer.status === 'number' && answer.status < 300;
    await new Promise((resolve) => setTimeout(resolve, (answer.retryAfter ?? 1) * 1000));
  }
  return false;
}

async function runLevel(baseUrl: string, secret: string, round: string, writers: number, writes: number, timeoutMs: number): Promise<Level> {
  const editors = Array.from({ length: writers }, (_, w) =>
    mintLocalToken({ secret, role: 'editor', domain: domain.name, userId: `bench-${round}-${w}`, organisation: 'Banc d’essai' }),
  );
  // Each writer's operation, registered before the clock starts.
  const operations: string[] = [];
  for (const [w, token] of editors.entries()) {
    const res = await fetch(`${baseUrl}/${domain.name}/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(domain.samples.operationRequest({ name: `Banc ${round} ${w}`, communeInsee: '59178', date: '2023-01-10' })),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 201 || !body.id) throw new Error(`registering an operation answered ${res.status}: ${JSON.stringify(body)}`);
    operations.push(body.id);
  }
  const samples: Sample[] = [];
  let completed = 0;
  const started = performance.now();
  await Promise.all(
    editors.map(async (token, w) => {
      for (let i = 0; i < writes; i++) {
        const ok = await write(
          baseUrl,
          `/${domain.name}/operations/${operations[w]}/commitments`,
          token,
          { financer: 'etat', fundingLine: 'etat-p135', amountCents: 10_000_00 + i, date: '2023-02-01' },
          `bench-${round}-${w}-${i}`,
          timeoutMs,
          samples,
        );
        if (ok) completed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
  return {
    writers,
    writes: writers * writes,
    seconds,
    completed,
    writesPerSecond: completed / seconds,
    answers: samples.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    refused503: statuses['503'] ?? 0,
    timeouts: statuses.timeout ?? 0,
    errors: statuses.error ?? 0,
    statuses,
  };
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'erbm-bench-writers-'));
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(ROOT, 'tools/run-ts.cjs'), path.join(ROOT, 'apps/erbm/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: '',
      ERBM_DATA_DIR: dataDir,
      ERBM_JWT_SECRET: secret,
      ERBM_DEMO_SEED: 'false',
      PORT: String(port),
      NODE_OPTIONS: '',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    log(`Starting the all-in-one process on the embedded database in ${dataDir}…`);
    await waitForHealth(baseUrl, child);
    const levels: Level[] = [];
    for (const writers of opts.writers) {
      log(`${writers} writers × ${opts.writes} writes: warm-up round…`);
      await runLevel(baseUrl, secret, `warm${writers}`, writers, opts.writes, opts.timeoutMs);
      log(`${writers} writers × ${opts.writes} writes: measured round…`);
      const level = await runLevel(baseUrl, secret, `run${writers}`, writers, opts.writes, opts.timeoutMs);
      log(`  p50 ${level.p50.toFixed(0)} ms, p99 ${level.p99.toFixed(0)} ms, ${level.writesPerSecond.toFixed(1)} writes/s, ${level.refused503} × 503`);
      levels.push(level);
    }
    report(opts, levels);
  } finally {
    stop();
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(opts: Options, levels: Level[]): void {
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, os: `${os.type()} ${os.release()}` };
  const ms = (x: number) => x.toFixed(0);
  const at50 = levels.find((l) => l.writers === 50);
  const out: string[] = [
    '',
    `## Embedded database under concurrent writers (${domain.name}: announce a commitment, ${opts.writes} keyed writes per writer)`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}; Node ${machine.node}${Object.keys(opts.env).length ? `; env ${JSON.stringify(opts.env)}` : ''}`,
    '',
    '| writers | writes | p50 ms | p95 ms | p99 ms | max ms | writes/s | 503 | timeouts | seconds |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...levels.map(
      (l) =>
        `| ${l.writers} | ${l.completed}/${l.writes} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${ms(l.max)} | ${l.writesPerSecond.toFixed(1)} | ${l.refused503} | ${l.timeouts} | ${l.seconds.toFixed(1)} |`,
    ),
    '',
    at50 ? `Target p99 < ${TARGET_P99_MS} ms at 50 writers: ${at50.p99 < TARGET_P99_MS ? 'met' : 'not met'} (${ms(at50.p99)} ms).` : '',
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'embedded-writers', machine, options: opts, targetP99Ms: TARGET_P99_MS, levels })}\n`);
}

main().then(
  () => undefined,
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
