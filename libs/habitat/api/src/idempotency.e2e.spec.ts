import { RACE_ATTEMPTS } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { type ExpectedRevision, type NewEvent, PostgresEventStore } from '@erbm/shared/event-store';
import { HabitatFixtures } from './testing/fixtures';
import { habitatService } from './testing/service';

/**
 * The real store, with a seam to interleave real writes with a request's: before the request's own append to a
 * stream, a rival request pays one cent on it through the API (so the request loses the revision race), or the
 * append fails once with a given error (a bug, a lost connection).
 */
class InterleavedStore extends PostgresEventStore {
  rival: { stream: string; write: () => Promise<unknown> } | undefined;
  failing: { stream: string; error: Error } | undefined;

  override async append(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision) {
    const rival = this.rival;
    if (rival?.stream === streamName) {
      // The rival's own append goes through here too: it must not start another rival.
      this.rival = undefined;
      try {
        await rival.write();
      } finally {
        this.rival = rival;
      }
    }
    const failing = this.failing;
    if (failing?.stream === streamName) {
      this.failing = undefined;
      throw failing.error;
    }
    return super.append(streamName, events, expected);
  }
}

const payments = async (t: TestApp, commitmentId: string) =>
  (await t.store.readStream(`commitment-${commitmentId}`))
    .filter((e) => e.type === 'ledger.PaymentMade')
    .map((e) => (e.data as { reference: string }).reference);

describe('Idempotency-Key: only final answers are kept under a key', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  let store: InterleavedStore;
  beforeAll(async () => {
    t = await startTestApp(habitatService, { store: (db) => (store = new InterleavedStore(db)) });
    editor = t.token('editor', 'habitat', { userId: 'carla' });
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  const pay = (commitmentId: string, key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request('POST', `/habitat/commitments/${commitmentId}/pay`, { token: editor, headers: { 'idempotency-key': key, ...headers }, body });

  it(`a payment that loses ${RACE_ATTEMPTS} revision races in a row gets 409 write-race, and the retry with its key pays, once`, async () => {
    const { commitmentId } = await f.committed();
    store.rival = {
      stream: `commitment-${commitmentId}`,
      write: () => f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1, kind: 'interim', reference: 'RIVAL', date: '2023-03-01' }),
    };
    const body = { amountCents: 5_000_00, kind: 'interim', reference: 'DP-RACE', date: '2023-03-01' };
    const lost = await pay(commitmentId, 'race-1', body);
    store.rival = undefined;
    expect([lost.status, lost.body.type]).toEqual([409, 'https://erbm.gouv.fr/problems/write-race']);
    expect(await payments(t, commitmentId)).toEqual(Array(RACE_ATTEMPTS).fill('RIVAL'));

    const retry = await pay(commitmentId, 'race-1', body);
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(retry.body.ledgers.paid).toBe(5_000_00 + RACE_ATTEMPTS);
    const again = await pay(commitmentId, 'race-1', body);
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([200, 'true', retry.body]);
    expect((await payments(t, commitmentId)).filter((r) => r === 'DP-RACE')).toHaveLength(1);
  });

  it('a stale If-Match is not replayed: the same key with the current ETag pays', async () => {
    const { commitmentId, view } = await f.committed({ chainedCents: 1_000_000_00 });
    const body = { amountCents: 1_00, kind: 'interim', reference: 'DP-STALE', date: '2023-03-01' };
    await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1, kind: 'interim', reference: 'OTHER', date: '2023-03-01' });
    const stale = await pay(commitmentId, 'stale-1', body, { 'if-match': `"${view.revision}"` });
    expect([stale.status, stale.body.type]).toEqual([409, 'https://erbm.gouv.fr/problems/stale-revision']);
    const fresh = await pay(commitmentId, 'stale-1', body, { 'if-match': `"${view.revision + 1}"` });
    expect([fresh.status, fresh.headers.get('idempotent-replayed'), fresh.headers.get('etag')]).toEqual([200, null, `"${view.revision + 2}"`]);
  });

  it('a malformed request frees its key: the corrected request with the same key runs', async () => {
    const { commitmentId } = await f.committed();
    const malformed = await pay(commitmentId, 'fix-1', { amountCents: -5, kind: 'interim', reference: 'DP-FIX', date: '2023-03-01' });
    expect(malformed.status).toBe(400);
    const corrected = await pay(commitmentId, 'fix-1', { amountCents: 5_00, kind: 'interim', reference: 'DP-FIX', date: '2023-03-01' });
    expect([corrected.status, corrected.headers.get('idempotent-replayed'), corrected.body.ledgers.paid]).toEqual([200, null, 5_00]);
  });

  it.each([
    [500, new Error('disque plein')],
    [503, new Error('Connection terminated unexpectedly')],
  ])('a %i is not replayed: the retry with its key runs again and pays once', async (status, error) => {
    const { commitmentId } = await f.committed();
    const body = { amountCents: 2_00, kind: 'interim', reference: `DP-${status}`, date: '2023-03-01' };
    store.failing = { stream: `commitment-${commitmentId}`, error };
    const failed = await pay(commitmentId, `failed-${status}`, body);
    expect(failed.status).toBe(status);
    const retry = await pay(commitmentId, `failed-${status}`, body);
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body.ledgers.paid]).toEqual([200, null, 2_00]);
    expect(await payments(t, commitmentId)).toEqual([`DP-${status}`]);
  });

  it('a refusal decided on valid input is final: replayed, however the state changes', async () => {
    const { commitmentId, decision } = await f.committed({ committedCents: 10_00 });
    const body = { amountCents: 20_00, kind: 'interim', reference: 'DP-TOO-MUCH', date: '2023-03-01' };
    const refused = await pay(commitmentId, 'refused-1', body);
    expect([refused.status, refused.body.rule]).toEqual([422, 'payment-exceeds-committed']);
    await f.ok('POST', `/habitat/commitments/${commitmentId}/increase`, { amountCents: 20_00, date: '2023-02-15', reason: 'Avenant', decision });
    const again = await pay(commitmentId, 'refused-1', body);
    expect([again.status, again.headers.get('idempotent-replayed'), again.body.rule]).toEqual([422, 'true', 'payment-exceeds-committed']);
  });
});

/**
 * The answer of a write is lost (the process stopped after the append, before storing it: here its stored answer is
 * deleted, as a crash leaves none), the stream moves on, and the request is sent again with its key: it answers as of
 * its own write, as the first attempt did, and writes nothing more.
 */
describe('Idempotency-Key: a retry finds what an earlier attempt wrote and answers as of it', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat', { userId: 'dora' });
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  const send = (method: string, path: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request(method, path, { token: editor, headers: { 'idempotency-key': key, ...headers }, body });
  const loseAnswer = (key: string) => t.database.db.query(`DELETE FROM api.idempotency_keys WHERE key = $1`, [key]);

  it('a payment the stream has since outgrown (re-deciding it would now be refused) answers as first, once', async () => {
    const { commitmentId } = await f.committed({ committedCents: 100_00 });
    const path = `/habitat/commitments/${commitmentId}/pay`;
    const body = { amountCents: 60_00, kind: 'interim', reference: 'DP-60', date: '2023-03-01' };
    const first = await send('POST', path, 'lost-pay', body);
    expect(first.status).toBe(200);
    await loseAnswer('lost-pay');
    await f.ok('POST', path, { amountCents: 40_00, kind: 'interim', reference: 'DP-40', date: '2023-03-02' });

    const retry = await send('POST', path, 'lost-pay', body);
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.headers.get('etag')]).toEqual([200, null, first.headers.get('etag')]);
    expect(retry.body).toEqual(first.body);
    expect(await payments(t, commitmentId)).toEqual(['DP-60', 'DP-40']);
  });

  it('a write under If-Match answers as first, not 409, although its If-Match is now stale', async () => {
    const { commitmentId, view } = await f.committed();
    const path = `/habitat/commitments/${commitmentId}/pay`;
    const body = { amountCents: 3_00, kind: 'interim', reference: 'DP-IFM', date: '2023-03-01' };
    const first = await send('POST', path, 'lost-ifm', body, { 'if-match': `"${view.revision}"` });
    expect(first.status).toBe(200);
    await loseAnswer('lost-ifm');
    const retry = await send('POST', path, 'lost-ifm', body, { 'if-match': `"${view.revision}"` });
    expect([retry.status, retry.headers.get('etag'), retry.body]).toEqual([200, first.headers.get('etag'), first.body]);
    expect(await payments(t, commitmentId)).toEqual(['DP-IFM']);
  });

  it('a registered operation, amended since, answers with its id and its first revision', async () => {
    const body = {
      name: 'Cité perdue',
      cite: 'Cité perdue',
      communeInsee: '59178',
      landlord: 'maisons_et_cites',
      dwellingsPlanned: 40,
      energyLabelBefore: 'F',
      energyLabelTarget: 'C',
      date: '2022-10-01',
    };
    const first = await send('POST', '/habitat/operations', 'lost-op', body);
    expect(first.status).toBe(201);
    await loseAnswer('lost-op');
    await f.ok('PATCH', `/habitat/operations/${first.body.id}`, { name: 'Cité retrouvée', reason: 'Nom officiel', date: '2022-11-01' });

    const retry = await send('POST', '/habitat/operations', 'lost-op', body);
    expect([retry.status, retry.body.id, retry.body.revision, retry.body.name]).toEqual([201, first.body.id, first.body.revision, 'Cité perdue']);
    expect([retry.headers.get('etag'), retry.headers.get('location')]).toEqual([first.headers.get('etag'), first.headers.get('location')]);
    const stream = await t.store.readStream(`habitat.operation-${first.body.id}`);
    expect(stream.filter((e) => e.type === 'habitat.OperationRegistered')).toHaveLength(1);
  });

  it('a meeting, with minutes recorded since, answers as first', async () => {
    const body = { body: 'copil', date: '2023-01-16', place: 'Lille' };
    const first = await send('POST', '/habitat/meetings', 'lost-meeting', body);
    expect(first.status).toBe(201);
    await loseAnswer('lost-meeting');
    await f.ok('POST', `/habitat/meetings/${first.body.id}/minutes`, { minutesReference: 'RD-2023-01' });

    const retry = await send('POST', '/habitat/meetings', 'lost-meeting', body);
    expect([retry.status, retry.headers.get('etag'), retry.body]).toEqual([201, first.headers.get('etag'), first.body]);
  });

  it('an announced commitment, programmed since, answers as first and is announced once', async () => {
    const { operationId } = await f.committed();
    const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 50_000_00 }]);
    const body = { financer: 'etat', fundingLine: 'etat-p135', amountCents: 50_000_00, date: '2022-11-01' };
    const first = await send('POST', `/habitat/operations/${operationId}/commitments`, 'lost-announce', body);
    expect(first.status).toBe(201);
    await loseAnswer('lost-announce');
    await f.ok('POST', `/habitat/commitments/${first.body.id}/programme`, { amountCents: 50_000_00, date: '2023-01-16', decision });

    const retry = await send('POST', `/habitat/operations/${operationId}/commitments`, 'lost-announce', body);
    expect([retry.status, retry.headers.get('etag'), retry.body]).toEqual([201, first.headers.get('etag'), first.body]);
    const operation = await t.request('GET', `/habitat/operations/${operationId}`, { token: editor });
    expect(operation.body.commitments.filter((c: { id: string }) => c.id === first.body.id)).toHaveLength(1);
  });
});
