import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { catchUp, habitatService } from './testing/service';
import { HabitatFixtures } from './testing/fixtures';

describe('habitat-api: errors are problem+json with the field at fault, and change nothing', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  /** The head of the log once every event written so far shows in it (see logSettled): it moves only by a write. */
  const head = async () => {
    await logSettled(t.database.db);
    return t.store.head();
  };

  it('400 names every field at fault, French dates and amounts aside', async () => {
    const before = await head();
    const res = await t.request('POST', '/habitat/operations', {
      token: editor,
      body: { name: '', communeInsee: 'Lens', dwellingsPlanned: 2.5, energyLabelBefore: 'H', date: '31/02/2023' },
    });
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(new Set(fields)).toEqual(
      new Set(['name', 'cite', 'communeInsee', 'landlord', 'dwellingsPlanned', 'energyLabelBefore', 'energyLabelTarget', 'date']),
    );
    expect(res.body.errors.find((e: { field: string }) => e.field === 'date').reason).toMatch(/n'est pas une date qui existe/);
    expect(await head()).toBe(before);
  });

  it('400 for fields the API does not know, including an actor forged in the body', async () => {
    const { commitmentId } = await f.committed();
    const res = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      body: { amountCents: 1, kind: 'interim', reference: 'DP', date: '2023-03-01', actor: { userId: 'someone-else', role: 'admin' } },
    });
    expect([res.status, res.body.errors]).toEqual([400, [{ field: 'actor', reason: 'champ inconnu : retirez-le' }]]);
    const nested = await t.request('POST', `/habitat/commitments/${commitmentId}/commit`, {
      token: editor,
      body: { amountCents: 1, date: '2023-03-01', legalAct: { kind: 'ej', reference: '123', date: '2023-03-01' } },
    });
    expect([nested.status, nested.body.field]).toEqual([400, 'legalAct.reference']);
  });

  it('400 for malformed JSON and for both amount notations at once', async () => {
    const bad = await t.request('POST', '/habitat/meetings', { token: editor, rawBody: '{"body": "copil",' });
    expect([bad.status, bad.contentType?.split(';')[0], bad.body.errors[0].field]).toEqual([400, 'application/problem+json', 'body']);
    const { commitmentId } = await f.committed();
    const both = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      body: { amountCents: 1, amount: '0,01', kind: 'interim', reference: 'DP', date: '2023-03-01' },
    });
    expect([both.status, both.body.field]).toEqual([400, 'amount']);
  });

  it('413 for an oversized body', async () => {
    const before = await head();
    const res = await t.request('POST', '/habitat/meetings', {
      token: editor,
      rawBody: JSON.stringify({ body: 'copil', date: '2023-01-16', place: 'x'.repeat(1_100_000) }),
    });
    expect([res.status, res.contentType?.split(';')[0], res.body.title]).toEqual([413, 'application/problem+json', 'Corps de requête trop volumineux']);
    expect(await head()).toBe(before);
  });

  it('404 for an unknown id, a commitment of another domain and an unknown route', async () => {
    const missing = await t.request('GET', '/habitat/commitments/5b0c0000-0000-4000-8000-000000000000', { token: editor });
    expect([missing.status, missing.body.kind]).toEqual([404, 'commitment']);
    expect(
      (
        await t.request('POST', '/habitat/operations/5b0c0000-0000-4000-8000-000000000000/phases', {
          token: editor,
          body: { phase: 'studies', date: '2023-01-01' },
        })
      ).status,
    ).toBe(404);
    const { commitmentId } = await f.committed();
    expect((await t.request('GET', `/emploi/commitments/${commitmentId}`, { token: t.token('admin') })).status).toBe(404);
    expect((await t.request('GET', '/nowhere', { token: editor })).status).toBe(404);
  });

  it('409 when If-Match is stale; the ETag of a read is the revision to send', async () => {
    const { commitmentId } = await f.committed({ chainedCents: 1_000_000_00 });
    const read = await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor });
    const etag = read.headers.get('etag') as string;
    expect(etag).toBe(`"${read.body.revision}"`);
    const first = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      headers: { 'if-match': etag },
      body: { amountCents: 1, kind: 'interim', reference: 'DP1', date: '2023-03-01' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe(`"${read.body.revision + 1}"`);
    const stale = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      headers: { 'if-match': etag },
      body: { amountCents: 1, kind: 'interim', reference: 'DP2', date: '2023-03-02' },
    });
    expect([stale.status, stale.body.expectedRevision, stale.body.actualRevision]).toEqual([409, read.body.revision, read.body.revision + 1]);
    expect((await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor })).body.ledgers.paid).toBe(1);
  });

  it('401 without a valid token, with a WWW-Authenticate challenge', async () => {
    const none = await t.request('GET', '/habitat/operations', { token: null });
    expect([none.status, none.headers.get('www-authenticate')?.startsWith('Bearer')]).toEqual([401, true]);
    const forged = await t.request('GET', '/habitat/operations', { token: `${editor.slice(0, -2)}xx` });
    expect(forged.status).toBe(401);
  });
});

describe('habitat-api: retries and races', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat', { userId: 'bob' });
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  it('a retried request with the same Idempotency-Key returns the first answer and writes nothing more', async () => {
    const { commitmentId } = await f.committed();
    const send = () =>
      t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
        token: editor,
        headers: { 'idempotency-key': 'pay-42' },
        body: { amountCents: 5_000_00, kind: 'interim', reference: 'DP-42', date: '2023-03-01' },
      });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    const stream = await t.store.readStream(`commitment-${commitmentId}`);
    expect(stream.filter((e) => e.type === 'ledger.PaymentMade')).toHaveLength(1);

    const reused = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      headers: { 'idempotency-key': 'pay-42' },
      body: { amountCents: 6_000_00, kind: 'interim', reference: 'DP-43', date: '2023-03-01' },
    });
    expect([reused.status, reused.body.rule]).toEqual([422, 'idempotency-key-reused']);
  });

  it('a retried creation creates one operation, and a refusal is replayed as it was', async () => {
    const body = {
      name: 'Cité X',
      cite: 'Cité X',
      communeInsee: '59606',
      landlord: 'sia_habitat',
      dwellingsPlanned: 30,
      energyLabelBefore: 'E',
      energyLabelTarget: 'B',
      date: '2023-01-01',
    };
    const a = await t.request('POST', '/habitat/operations', { token: editor, headers: { 'idempotency-key': 'op-x' }, body });
    const b = await t.request('POST', '/habitat/operations', { token: editor, headers: { 'idempotency-key': 'op-x' }, body });
    expect([a.status, b.status, b.body.id, b.headers.get('location')]).toEqual([201, 201, a.body.id, a.headers.get('location')]);
    await catchUp(t);
    const list = await t.request('GET', '/habitat/operations', { token: editor });
    expect(list.body.operations.filter((o: { name: string }) => o.name === 'Cité X')).toHaveLength(1);

    const { commitmentId } = await f.committed({ committedCents: 100 });
    const over = () =>
      t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
        token: editor,
        headers: { 'idempotency-key': 'too-much' },
        body: { amountCents: 101, kind: 'balance', reference: 'DP', date: '2023-03-01' },
      });
    const r1 = await over();
    const r2 = await over();
    expect([r1.status, r2.status, r2.body.rule, r2.headers.get('idempotent-replayed')]).toEqual([422, 422, 'payment-exceeds-committed', 'true']);
  });

  it('a retry after a lost answer re-appends the same events, which the store recognises: no double payment', async () => {
    const { commitmentId } = await f.committed();
    const request = {
      token: editor,
      headers: { 'idempotency-key': 'lost-answer' },
      body: { amountCents: 7_00, kind: 'interim', reference: 'DP-7', date: '2023-03-01' },
    };
    expect((await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, request)).status).toBe(200);
    // The process died after appending but before storing the answer.
    await t.database.db.query(`DELETE FROM api.idempotency_keys WHERE key = 'lost-answer'`);
    expect((await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, request)).status).toBe(200);
    const view = (await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor })).body;
    expect(view.ledgers.paid).toBe(7_00);
  });

  it('two concurrent writers on one commitment: exactly one wins, the other gets 409', async () => {
    const { commitmentId } = await f.committed({ chainedCents: 1_000_000_00 });
    const read = await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor });
    const etag = read.headers.get('etag') as string;
    const pay = (ref: string) =>
      t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
        token: editor,
        headers: { 'if-match': etag },
        body: { amountCents: 3_00, kind: 'interim', reference: ref, date: '2023-03-01' },
      });
    const results = await Promise.all([pay('A'), pay('B')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const after = (await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor })).body;
    expect(after.ledgers.paid).toBe(3_00);
    expect(after.revision).toBe(read.body.revision + 1);
  });

  it('many writers without If-Match on one commitment never lose an update and never get a 409 they did not ask for', async () => {
    const { commitmentId } = await f.committed({ chainedCents: 1_000_000_00 });
    const before = (await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor })).body;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
          token: editor,
          body: { amountCents: 1_00, kind: 'interim', reference: `DP-${i}`, date: '2023-03-01' },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    // Each answer is the commitment right after its own payment: eight different revisions.
    expect(new Set(results.map((r) => r.headers.get('etag'))).size).toBe(8);
    const after = (await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor })).body;
    expect([after.ledgers.paid, after.revision]).toEqual([8_00, before.revision + 8]);
  });

  it('a writer that loses a race is decided again on the new state: the rule refuses what no longer fits (422, not 409)', async () => {
    const { commitmentId } = await f.committed({ committedCents: 10_00 });
    // Each pays 6 € of 10 €: whoever comes second is refused by the rule, whatever the order.
    const results = await Promise.all(
      ['A', 'B'].map((ref) =>
        t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
          token: editor,
          body: { amountCents: 6_00, kind: 'interim', reference: ref, date: '2023-03-01' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    expect(results.find((r) => r.status === 422)?.body.rule).toBe('payment-exceeds-committed');
    expect((await t.request('GET', `/habitat/commitments/${commitmentId}`, { token: editor })).body.ledgers.paid).toBe(6_00);
  });

  it("each event's envelope comes from the token, and the read right after a write shows it", async () => {
    const alice = t.token('editor', 'habitat', { userId: 'alice', organisation: 'DDTM du Nord', party: 'etat' });
    const fx = new HabitatFixtures(t, alice);
    const { commitmentId } = await fx.committed({ chainedCents: 1_000_000_00 });
    const view = await fx.ok('POST', `/habitat/commitments/${commitmentId}/pay`, {
      amountCents: 1_00,
      kind: 'interim',
      reference: 'DP',
      date: '2023-03-01',
      sourceDocument: { kind: 'dp', reference: 'DP n° 2023-000123' },
    });
    const payment = view.facts[view.facts.length - 1];
    expect(payment).toMatchObject({
      type: 'ledger.PaymentMade',
      recordedBy: { userId: 'alice', role: 'editor', organisation: 'DDTM du Nord' },
      onBehalfOf: 'etat',
      sourceDocument: { kind: 'dp', reference: 'DP n° 2023-000123' },
    });
    const stored = await t.store.readStream(`commitment-${commitmentId}`);
    expect(stored[stored.length - 1].envelope).toMatchObject({
      actor: { userId: 'alice', role: 'editor', organisation: 'DDTM du Nord' },
      onBehalfOf: 'etat',
      occurredAt: '2023-03-01',
    });
    expect(stored[2].envelope.sourceDocument).toEqual({ kind: 'ej', reference: '2103456789' });
  });
});
