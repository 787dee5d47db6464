import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMAINS } from '@erbm/domains';
import { mintLocalToken } from '@erbm/shared/auth';
import { PostgresEventStore, type SqlDatabase, openSqlDatabase } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { eventually, logSettled } from '@erbm/shared/testing';

const ROOT = join(__dirname, '..', '..', '..');
const [domain] = DOMAINS;

/**
 * The URL a started process listens on, from the line it logs (PORT=0: the system chose a free port, which no other
 * process can take meanwhile). Its standard output is read to its end, so that the process never blocks writing to it.
 */
const listeningUrl = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-20_000);
      const port = /listening on http:\/\/localhost:(\d+)/.exec(output)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code, signal) => reject(new Error(`the process stopped (${signal ?? code}) before it listened:\n${output}`)));
  });

/**
 * The all-in-one process stopped dead (SIGKILL, as by a power cut) between the commitment's announcement and its
 * attachment to the operation's financing plan: after the restart, the plan is completed from the announcement, and
 * the ledger register and the domain's operation agree.
 */
describe(`a process killed between a commitment's announcement and its operation's financing plan (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database'})`, () => {
  const secret = randomBytes(32).toString('hex');
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let child: ChildProcess | undefined;
  let baseUrl = '';
  const editor = mintLocalToken({ secret, role: 'editor', domain: domain.name, userId: 'crash-test', organisation: 'Tests' });
  const sgar = mintLocalToken({ secret, role: 'sgar', userId: 'sgar-test', organisation: 'Tests' });

  const env = () => ({
    ...process.env,
    NODE_OPTIONS: '',
    ERBM_JWT_SECRET: secret,
    ERBM_DEMO_SEED: 'false',
    ...(database ? { DATABASE_URL: database.url } : { DATABASE_URL: '', ERBM_DATA_DIR: dataDir }),
  });
  const openDb = (): Promise<SqlDatabase> => (database ? Promise.resolve(database.db) : openSqlDatabase({ dataDir }));
  const closeDb = async (db: SqlDatabase) => {
    if (!database) await db.close();
  };

  async function start(extra: Record<string, string> = {}): Promise<ChildProcess> {
    const started = spawn(process.execPath, [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'apps/erbm/src/main.ts')], {
      cwd: ROOT,
      env: { ...env(), PORT: '0', ...extra },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    baseUrl = await listeningUrl(started);
    await eventually(async () => expect((await fetch(`${baseUrl}/health`)).status).toBe(200), { intervalMs: 200 });
    return started;
  }

  const exited = (p: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((resolve) =>
      p.exitCode !== null || p.signalCode !== null ? resolve(p.signalCode ?? p.exitCode) : p.once('exit', (code, signal) => resolve(signal ?? code)),
    );

  const request = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    if (process.env.DATABASE_URL) database = await openTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'erbm-crash-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes the financing plan after the restart, once', async () => {
    child = await start({ ERBM_FAILPOINT: 'commitment-announced' });
    const operation = await request(
      'POST',
      `/${domain.name}/operations`,
      editor,
      domain.samples.operationRequest({ name: 'Opération interrompue', communeInsee: '59178', date: '2022-10-01' }),
    );
    expect(operation.status).toBe(201);
    const operationId = operation.body.id as string;

    const announce = () =>
      request(
        'POST',
        `/${domain.name}/operations/${operationId}/commitments`,
        editor,
        { financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00, date: '2022-11-01' },
        { 'Idempotency-Key': 'crash-1' },
      );
    await expect(announce()).rejects.toThrow();
    expect(await exited(child)).toBe('SIGKILL');

    // Stopped between the two steps: the announcement is in the log, the operation's plan does not have it.
    const db = await openDb();
    try {
      // The log as its readers see it once every committed event shows in it (see logSettled).
      await logSettled(db);
      const store = new PostgresEventStore(db);
      const all = await store.readAll(null, 10_000);
      const announced = all.events.filter((e) => e.type === 'ledger.CommitmentAnnounced' && (e.data as { operationId: string }).operationId === operationId);
      expect(announced).toHaveLength(1);
      expect(domain.operations.financingOf(await store.readStream(domain.operations.streamName(operationId)))?.commitmentIds).toEqual([]);
    } finally {
      await closeDb(db);
    }

    child = await start();
    const view = await eventually(
      async () => {
        const res = await request('GET', `/${domain.name}/operations/${operationId}`, editor);
        expect(res.body.commitments).toHaveLength(1);
        return res.body;
      },
      { intervalMs: 200 },
    );
    const commitmentId = view.commitments[0].id as string;
    // The ledger register (the SGAR's) and the domain's operation show the same commitment, once.
    await eventually(
      async () => {
        const register = await request('GET', `/sgar/register/operations/${operationId}`, sgar);
        expect(register.body.commitments.map((c: { id: string }) => c.id)).toEqual([commitmentId]);
      },
      { intervalMs: 200 },
    );
    // One attachment in the operation's stream, as the auditors' trail shows it (the running process holds the
    // embedded data folder: read through the API).
    const history = await request('GET', `/audit/history/operation/${domain.name}/${operationId}`, sgar);
    expect(history.body.history.filter((e: { type: string }) => e.type.endsWith('.CommitmentAttached'))).toHaveLength(1);
  });
});
