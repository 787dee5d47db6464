import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from '@erbm/shared/testing';

const ROOT = join(__dirname, '..', '..', '..', '..');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The all-in-one process (`npm start`) run as a child, to be stopped dead where a test says. */
export interface ErbmProcess {
  baseUrl: string;
  /** How it ended: the signal (e.g. SIGKILL) or the exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
  request(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** SIGKILL, as a power cut: nothing of the process runs after it. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for it to end. */
  stop(): Promise<void>;
}

/** Starts the process with this environment and waits until it answers /health. */
export async function startErbm(env: NodeJS.ProcessEnv): Promise<ErbmProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'apps/erbm/src/main.ts')], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  await eventually(
    async () => {
      if (!running()) return;
      const health = await fetch(`${baseUrl}/health`);
      if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  if (!running()) throw new Error(`the process stopped while starting (${String(await exited)})`);
  return {
    baseUrl,
    exited,
    async request(method, path, token, body, headers = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited;
    },
  };
}
