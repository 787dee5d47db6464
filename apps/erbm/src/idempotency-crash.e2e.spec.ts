import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMAINS } from '@erbm/domains';
import { mintLocalToken } from '@erbm/shared/auth';
import { PostgresEventStore, type StoredEvent, openSqlDatabase } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { eventually } from '@erbm/shared/testing';
import { type Answer, type ErbmProcess, startErbm } from './testing/erbm-process';

const [domain] = DOMAINS;
const USER = 'idem-crash';

/**
 * The all-in-one process stopped dead (SIGKILL, as by a power cut or an OOM kill) in the middle of writes sent with an
 * Idempotency-Key, at each point of a keyed write: after the key is claimed and before the append, after the append,
 * after the answer is made and before it is stored. After the restart, the retry with the same key gets the answer the
 * first attempt would have given, the write is in the log once, and the key is never stuck.
 */
describe(`Idempotency-Key retries after the process was killed mid-request (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database'})`, () => {
  const secret = randomBytes(32).toString('hex');
  const editor = mintLocalToken({ secret, role: 'editor', domain: domain.name, userId: USER, organisation: 'Tests' });
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let erbm: ErbmProcess | undefined;
  const others: ErbmProcess[] = [];
  let commitmentId = '';

  const start = async (failpoint?: string) =>
    startErbm({
      ...process.env,
      NODE_OPTIONS: '',
      ERBM_JWT_SECRET: secret,
      ERBM_DEMO_SEED: 'false',
      ERBM_FAILPOINT: failpoint ?? '',
      ...(database ? { DATABASE_URL: database.url } : { DATABASE_URL: '', ERBM_DATA_DIR: dataDir }),
    });
  const restart = async (failpoint?: string) => (erbm = await start(failpoint));
  const call = (method: string, path: string, body?: unknown, key?: string) =>
    (erbm as ErbmProcess).request(method, path, editor, body, key ? { 'Idempotency-Key': key } : {});
  const ok = async (method: string, path: string, body: unknown) => {
    const res = await call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** The request gets no answer: the process died at the failpoint. */
  const killedDuring = async (pending: Promise<Answer>) => {
    await expect(pending).rejects.toThrow();
    expect(await (erbm as ErbmProcess).exited).toBe('SIGKILL');
  };

  /**
   * Reads streams directly, by name or by prefix; on the embedded database only while no process holds the data
   * folder. (Not the global log: on a server it shows a write only once every older transaction has ended, and the
   * killed process's sessions end when PostgreSQL notices.)
   */
  const streams = async (prefix: string): Promise<StoredEvent[][]> => {
    const db = database ? database.db : await openSqlDatabase({ dataDir });
    try {
      const store = new PostgresEventStore(db);
      const names = await db.query<{ stream_name: string }>(`SELECT DISTINCT stream_name FROM event_store.events WHERE stream_name LIKE $1 || '%'`, [prefix]);
      return await Promise.all(names.map((n) => store.readStream(n.stream_name)));
    } finally {
      if (!database) await db.close();
    }
  };
  const commitmentEvents = async () => (await streams(`commitment-${commitmentId}`)).flat();
  const paymentsIn = (events: StoredEvent[]) => events.filter((e) => e.type === 'ledger.PaymentMade').map((e) => (e.data as { reference: string }).reference);

  beforeAll(async () => {
    if (process.env.DATABASE_URL) database = await openTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'erbm-idem-'));
  });

  afterAll(async () => {
    // Killed, not stopped: a process with a request hanging at a failpoint would wait for it for ever.
    for (const p of [erbm, ...others]) await p?.kill();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const pay60 = () =>
    call('POST', `/${domain.name}/commitments/${commitmentId}/pay`, { amountCents: 60_00, kind: 'interim', reference: 'DP-60', date: '2023-03-01' }, 'pay-60');
  const operationBody = domain.samples.operationRequest({ name: 'Opération à clé', communeInsee: '59178', date: '2022-10-01' });
  const register = () => call('POST', `/${domain.name}/operations`, operationBody, 'register-1');

  it('kills after the claim, after the append and before the answer is stored: each retry ends with one effect and the first answer', async () => {
    // Killed after the claim, before the append: nothing written.
    await restart('idempotency-claimed');
    const meeting = await ok('POST', `/${domain.name}/meetings`, { body: 'copil', date: '2023-01-16', place: 'Lille' });
    await ok('POST', `/${domain.name}/meetings/${meeting.id}/decisions`, {
      decisionId: 'D1',
      subject: 'Programmation',
      outcome: 'approved',
      amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_00 }],
    });
    const operation = await ok(
      'POST',
      `/${domain.name}/operations`,
      domain.samples.operationRequest({ name: 'Opération payée', communeInsee: '59178', date: '2022-10-01' }),
    );
    const commitment = await ok('POST', `/${domain.name}/operations/${operation.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents: 100_00,
      date: '2022-11-01',
    });
    commitmentId = commitment.id;
    await ok('POST', `/${domain.name}/commitments/${commitmentId}/programme`, {
      amountCents: 100_00,
      date: '2023-01-16',
      decision: { meetingId: meeting.id, decisionId: 'D1' },
    });
    await ok('POST', `/${domain.name}/commitments/${commitmentId}/commit`, {
      amountCents: 100_00,
      date: '2023-02-01',
      legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' },
    });
    await killedDuring(pay60());
    expect(paymentsIn(await commitmentEvents())).toEqual([]);

    // Killed right after the append of a creation: the operation is in the log, its answer was never given.
    await restart('idempotency-appended');
    await killedDuring(register());
    const prefix = domain.operations.streamName('');
    const registered = (await streams(prefix)).filter(
      ([first]) => first.envelope.actor.userId === USER && (first.data as { name?: string }).name === 'Opération à clé',
    );
    expect(registered).toHaveLength(1);
    const operationId = registered[0][0].streamName.slice(prefix.length);

    // Another payment fills the commitment; then the keyed one is retried (it was never written, so it runs now), and
    // the process is killed once its answer is made, before it is stored.
    await restart('idempotency-answered');
    await ok('POST', `/${domain.name}/commitments/${commitmentId}/pay`, { amountCents: 40_00, kind: 'interim', reference: 'DP-40', date: '2023-03-02' });
    await killedDuring(pay60());
    const written = await commitmentEvents();
    expect(paymentsIn(written)).toEqual(['DP-40', 'DP-60']);
    // The payment was the last write: its answer is the commitment at the stream's last revision (a payment may come
    // with a warning event).
    const paid60At = written[written.length - 1].revision;

    // Back to normal, with a later write on the commitment: re-deciding the payment now would refuse it (nothing is
    // left to pay), and its answer is the commitment right after it, not now.
    await restart();
    await ok('POST', `/${domain.name}/commitments/${commitmentId}/certify`, { amountCents: 1_00, date: '2023-03-03', reference: 'SF-1' });
    const retried = await pay60();
    expect([retried.status, retried.headers.get('idempotent-replayed'), retried.headers.get('etag')]).toEqual([200, null, `"${paid60At}"`]);
    expect([retried.body.id, retried.body.revision, retried.body.ledgers.paid, retried.body.ledgers.certified]).toEqual([commitmentId, paid60At, 100_00, 0]);
    const replayed = await pay60();
    expect([replayed.status, replayed.headers.get('idempotent-replayed'), replayed.body]).toEqual([200, 'true', retried.body]);

    const created = await register();
    expect([created.status, created.headers.get('idempotent-replayed'), created.body.id, created.headers.get('location')]).toEqual([
      201,
      null,
      operationId,
      `/${domain.name}/operations/${operationId}`,
    ]);
    const createdAgain = await register();
    expect([createdAgain.status, createdAgain.headers.get('idempotent-replayed'), createdAgain.body]).toEqual([201, 'true', created.body]);

    const now = await call('GET', `/${domain.name}/commitments/${commitmentId}`);
    expect(now.body.facts.filter((f: { type: string }) => f.type === 'ledger.PaymentMade')).toHaveLength(2);
    expect(now.body.ledgers.paid).toBe(100_00);
  }, 600_000);

  it('a claim held by a request still running answers 409 in progress, here and in another process; once its process is killed, the retry runs', async () => {
    const pay = (p: ErbmProcess) =>
      p.request(
        'POST',
        `/${domain.name}/commitments/${commitmentId}/certify`,
        editor,
        { amountCents: 7_00, date: '2023-03-04', reference: 'SF-7' },
        { 'Idempotency-Key': 'certify-7' },
      );
    // The embedded data folder is one process's at a time: the live process is the one the request hangs in.
    const survivor = database ? erbm : undefined;
    if (!database) await erbm?.stop();
    const hanging = await start('idempotency-claimed:hang');
    others.push(hanging);

    // Two sends of the same request: whichever claims the key first stays in flight, the other is told so.
    const inFlight = [pay(hanging), pay(hanging)];
    for (const p of inFlight) p.catch(() => undefined);
    const told = await Promise.race(inFlight);
    expect([told.status, told.body.type, told.headers.get('retry-after')]).toEqual([409, 'https://erbm.gouv.fr/problems/request-in-progress', '1']);
    if (survivor && database) {
      // The 409 may come before the other send has written its claim: wait until it has.
      const db = database.db;
      await eventually(
        async () =>
          expect(await db.query(`SELECT 1 FROM api.idempotency_keys WHERE key = 'certify-7' AND NOT completed AND owner IS NOT NULL`)).toHaveLength(1),
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      // Another live process does not take over a live claim, and "in progress" is not stored.
      for (let i = 0; i < 2; i++) expect((await pay(survivor)).body.type).toBe('https://erbm.gouv.fr/problems/request-in-progress');
    }

    await hanging.kill();
    const retryIn = survivor ?? (await restart());
    // On a server, the killed process's lock goes when PostgreSQL notices its connection closed: retry until then.
    const done = await eventually(
      async () => {
        const res = await pay(retryIn);
        expect(res.status).toBe(200);
        return res;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect([done.headers.get('idempotent-replayed'), done.body.ledgers.certified]).toEqual([null, 8_00]);
    const again = await pay(retryIn);
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([200, 'true', done.body]);
    expect(done.body.facts.filter((f: { data: { reference?: string } }) => f.data.reference === 'SF-7')).toHaveLength(1);
  }, 600_000);
});
