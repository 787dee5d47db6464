import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from '@erbm/shared/testing';

/** The repository's root, where `npm start` and the tools run. */
export const ROOT = join(__dirname, '..', '..', '..', '..');

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** The exit code, or the signal that ended the process. */
export const exited = (p: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) =>
    p.exitCode !== null || p.signalCode !== null ? resolve(p.signalCode ?? p.exitCode) : p.once('exit', (code, signal) => resolve(signal ?? code)),
  );

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The all-in-one process (`npm start`) run as a child, to be stopped dead where a test says. */
export interface ErbmProcess {
  child: ChildProcess;
  baseUrl: string;
  /** How it ended: the signal (e.g. SIGKILL) or the exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** What it wrote on stderr so far. */
  stderr(): string;
  request(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** SIGKILL, as a power cut: nothing of the process runs after it. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for it to end. */
  stop(): Promise<void>;
}

/**
 * Spawns what `npm start` runs (the all-in-one process), or another service of apps/ as `npm run start:service` does,
 * on a free port; the environment names its database.
 */
export async function spawnErbm(env: NodeJS.ProcessEnv, service = 'erbm'): Promise<ErbmProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child = spawn(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'apps', service, 'src/main.ts')], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    baseUrl,
    exited: exited(child),
    stderr: () => stderr,
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
      await exited(child);
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** Spawns the all-in-one process (or another service) and waits until it answers /health (it fails at once if the process exits). */
export async function startErbm(env: NodeJS.ProcessEnv, service = 'erbm'): Promise<ErbmProcess> {
  const started = await spawnErbm(env, service);
  await eventually(
    async () => {
      const { exitCode, signalCode } = started.child;
      if (exitCode !== null || signalCode !== null) throw new Error(`the process ended (${signalCode ?? exitCode}) while starting: ${started.stderr()}`);
      const status = (await fetch(`${started.baseUrl}/health`)).status;
      if (status !== 200) throw new Error(`/health answered ${status}`);
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  return started;
}

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool of tools/ as `npm run <tool>` does, without blocking this process meanwhile. */
export function runTool(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'tools', script), ...args], {
      cwd: ROOT,
      env: { ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
