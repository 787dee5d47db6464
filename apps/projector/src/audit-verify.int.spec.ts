import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { eventually } from '@erbm/shared/testing';
import { LEDGER_REGISTER } from '@erbm/ledger/read-models';
import { everyDomain } from '@erbm/domains';
import { generateOperations, projections } from './testing';
import { forgeCommitment, raiseFirstTotal, raisedTotalBreak } from './tampering';

/** An all-in-one process: it projects the log as it is written, and serves the auditors. */
describe(`GET /audit/verify: the read models, while this process projects the log (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database'})`, () => {
  let t: TestApp;
  let auditor: string;
  const audit = (path: string) => t.request('GET', path, { token: auditor });
  /** Every event recorded is readable, and every live projection stands at the head. */
  const caughtUp = () =>
    eventually(
      async () => {
        const [{ n }] = await t.database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events');
        expect(await t.store.countAfter(null)).toBe(n);
        const head = await t.store.head();
        for (const status of await t.app.get(ReadModels).status()) expect(status.checkpoint).toBe(head);
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );

  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: true, databaseUrl: database.url }, sgar: true }));
    auditor = t.token('auditor', undefined, { userId: 'ccomptes', organisation: 'Cour des comptes' });
    await generateOperations(t.store, 8);
    await caughtUp();
  }, 180_000);
  afterAll(() => t.close());

  it('untouched: ok, every check run; the replay, while the log is written and projected, compares both sides at one checkpoint', async () => {
    const plain = await audit('/audit/verify');
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ ok: true, firstBreak: null, readModels: { ok: true, breaks: [], breaksFound: 0 } });
    expect(plain.body.readModels.checksRun).toBe(projections().reduce((n, p) => n + (p.checks?.length ?? 0), 0));
    expect(plain.body.readModels.replay).toBeUndefined();

    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        written += (await generateOperations(t.store, 1)).length;
        // The embedded database answers without going through the event loop's I/O: a writer that never yields
        // would keep the HTTP server from reading the request.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    let replayed;
    try {
      replayed = await audit('/audit/verify?replay=true');
    } finally {
      writing = false;
      await writer;
    }
    expect(written).toBeGreaterThan(0);
    expect(replayed.status).toBe(200);
    expect(replayed.body.readModels.replay).toMatchObject({ ok: true, firstDifference: null });
    expect(replayed.body.readModels.replay.projections.map((p: { projection: string }) => p.projection)).toEqual(projections().map((p) => p.name));
    expect(replayed.body.ok).toBe(true);
    await caughtUp();
  }, 300_000);

  it('a consolidated total raised by 1,000,000 € in SQL: ok false, naming the row; the log itself matches', async () => {
    const raised = await raiseFirstTotal(t.database.db, 1_000_000_00);
    try {
      const res = await audit('/audit/verify');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, firstBreak: null, breaks: [], sealBreaks: [] });
      expect(res.body.readModels).toMatchObject({ ok: false, breaksFound: 1 });
      expect(res.body.readModels.breaks).toEqual([raisedTotalBreak(raised, 1_000_000_00)]);
    } finally {
      await raised.undo(t.database.db);
    }
    expect((await audit('/audit/verify')).body.ok).toBe(true);
  }, 120_000);

  it('a commitment row changed with every row that adds it up: the checks see nothing, the replay names the first row that differs', async () => {
    const forged = await forgeCommitment(t.database.db, 5_000_00);
    try {
      expect((await audit('/audit/verify')).body).toMatchObject({ ok: true, readModels: { ok: true } });
      const res = await audit('/audit/verify?replay=true');
      expect(res.body.ok).toBe(false);
      expect(res.body.readModels.replay.firstDifference).toEqual({
        projection: LEDGER_REGISTER,
        table: 'commitment_buckets',
        key: forged.bucketKey,
        column: 'committed',
        live: String(forged.bucketCommitted + 5_000_00),
        replayed: String(forged.bucketCommitted),
        differingRows: 1,
        reason: 'the live row differs from the one the replay of the log makes',
      });
      const ledger = res.body.readModels.replay.projections.find((p: { projection: string }) => p.projection === LEDGER_REGISTER);
      expect(ledger.differences.map((d: { table: string; key: unknown }) => [d.table, d.key])).toEqual([
        ['commitment_buckets', forged.bucketKey],
        ['commitment_versions', forged.openVersion],
        ['commitments', { id: forged.id }],
        ['consolidated_totals', forged.totalKey],
      ]);
    } finally {
      await forged.undo(t.database.db);
    }
  }, 300_000);

  it('refuses a replay that is neither true nor false, with a problem in French', async () => {
    const res = await audit('/audit/verify?replay=oui');
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, field: 'replay', errors: [{ field: 'replay', reason: 'vaut true ou false' }] });
  });
});
