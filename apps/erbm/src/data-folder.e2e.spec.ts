import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMAINS } from '@erbm/domains';
import { mintLocalToken } from '@erbm/shared/auth';
import { listSeals, openSqlDatabase } from '@erbm/shared/event-store';
import { type ErbmProcess, exited, runTool, spawnErbm, startErbm } from './testing/erbm-process';

const [domain] = DOMAINS;

/** One line, in French, naming the holder; no stack trace. */
function expectRefusal(stderr: string, holderPid: number, instead: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`est déjà utilisé par le processus ${holderPid} sur `);
  expect(lines[0]).toContain('apps/erbm/src/main.ts');
  expect(lines[0]).toContain(instead);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/**
 * The embedded database (PGlite) belongs to the one process that opened its data folder: the tools and a second
 * server are refused while `npm start` runs on it, and a folder left by a process killed outright is taken over.
 */
describe('a data folder of the embedded database, while `npm start` runs on it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'erbm-lock-'));
  const secret = randomBytes(32).toString('hex');
  const env = { ...process.env, DATABASE_URL: '', ERBM_DATA_DIR: dataDir, ERBM_JWT_SECRET: secret, ERBM_DEMO_SEED: 'false' };
  const admin = mintLocalToken({ secret, role: 'admin', userId: 'lock-test', organisation: 'Tests' });
  const editor = mintLocalToken({ secret, role: 'editor', domain: domain.name, userId: 'lock-test', organisation: 'Tests' });
  let server: ErbmProcess;
  let pid: number;

  beforeAll(async () => {
    server = await startErbm(env);
    pid = server.child.pid as number;
    const registered = await fetch(`${server.baseUrl}/${domain.name}/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
      body: JSON.stringify(domain.samples.operationRequest({ name: 'Opération du verrou', communeInsee: '59178', date: '2023-01-10' })),
    });
    expect(registered.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    if (server?.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses every tool that opens the database, on one line naming the server and the route to use instead', async () => {
    const [seal, verify, rebuild] = await Promise.all([
      runTool('seal.ts', [], env),
      runTool('verify.ts', [], env),
      runTool('rebuild.ts', ['--projection', 'all'], env),
    ]);
    expect([seal.status, verify.status, rebuild.status]).toEqual([1, 2, 1]);
    expectRefusal(seal.stderr, pid, 'POST /audit/seals');
    expectRefusal(verify.stderr, pid, 'GET /audit/verify');
    expectRefusal(rebuild.stderr, pid, "arrêtez d'abord le serveur");
  }, 120_000);

  it('refuses a second server, and the first one goes on', async () => {
    const second = await spawnErbm(env);
    expect(await exited(second.child)).toBe(1);
    expectRefusal(second.stderr(), pid, "si c'est un serveur, utilisez-le ou arrêtez-le d'abord");

    // The running server was not disturbed: it still writes, and the refused seal tool left no seal in its log.
    const sealed = await fetch(`${server.baseUrl}/audit/seals`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(sealed.status).toBe(201);
    expect(((await sealed.json()) as { seal: { sealNumber: number } }).seal.sealNumber).toBe(1);
  }, 120_000);

  it('is taken over by the next process once the server was killed outright (kill -9)', async () => {
    server.child.kill('SIGKILL');
    expect(await exited(server.child)).toBe('SIGKILL');
    const after = await runTool('seal.ts', [], env);
    expect(after.status).toBe(0);
    expect(after.stderr).toContain(`le processus ${pid} sur `);
    expect(after.stderr).toContain("s'est arrêté sans le libérer ; ce processus le reprend");
    // Nothing was recorded since the server's seal: the tool saw it, and numbered nothing the same.
    expect(after.stdout).toBe('nothing recorded since the last seal\n');

    // The tool released the folder when it closed the database, naming no holder any more: this process opens it.
    expect(readFileSync(join(dataDir, 'erbm.lock'), 'utf8')).toBe('');
    const db = await openSqlDatabase({ dataDir });
    try {
      expect((await listSeals(db)).map((s) => s.sealNumber)).toEqual([1]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
