import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { politiqueDeLaVilleService } from '../testing/service';

describe('politique-de-la-ville-api: operations over HTTP', () => {
  let t: TestApp;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(politiqueDeLaVilleService);
    editor = t.token('editor', 'politique-de-la-ville');
  });
  afterAll(() => t.close());

  /** The read model up to every event written so far: the log shows them all once settled (see logSettled). */
  const catchUp = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };
  /** The head of the log once every event written so far shows in it: it moves only by a write. */
  const head = async () => {
    await logSettled(t.database.db);
    return t.store.head();
  };
  const register = (body: Record<string, unknown> = {}) =>
    t.request('POST', '/politique-de-la-ville/operations', {
      token: editor,
      body: { name: 'Opération test', communeInsee: '59178', eligibleCostCents: 1_000_000_00, date: '2023-01-10', ...body },
    });

  it('registers an operation: 201 with its Location and ETag, the arrondissement from the commune', async () => {
    const res = await register();
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/politique-de-la-ville/operations/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('"0"');
    expect(res.body).toMatchObject({
      domain: 'politique-de-la-ville',
      name: 'Opération test',
      communeInsee: '59178',
      arrondissement: '593',
      eligibleCostCents: 1_000_000_00,
      registeredOn: '2023-01-10',
      commitments: [],
    });
    const read = await t.request('GET', `/politique-de-la-ville/operations/${res.body.id}`, { token: editor });
    expect([read.status, read.headers.get('etag'), read.body.name]).toEqual([200, '"0"', 'Opération test']);
  });

  it('amends with If-Match and a reason; a stale If-Match is 409 and changes nothing', async () => {
    const { body: op } = await register();
    const amended = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, {
      token: editor,
      headers: { 'if-match': '"0"' },
      body: { communeInsee: '62498', reason: 'erreur de commune', date: '2023-02-01' },
    });
    expect([amended.status, amended.headers.get('etag'), amended.body.arrondissement]).toEqual([200, '"1"', '627']);
    const stale = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, {
      token: editor,
      headers: { 'if-match': '"0"' },
      body: { name: 'Autre nom', reason: 'r', date: '2023-02-02' },
    });
    expect([stale.status, stale.contentType?.split(';')[0], stale.body.expectedRevision, stale.body.actualRevision]).toEqual([
      409,
      'application/problem+json',
      0,
      1,
    ]);
    expect((await t.request('GET', `/politique-de-la-ville/operations/${op.id}`, { token: editor })).body).toMatchObject({
      revision: 1,
      name: 'Opération test',
      arrondissement: '627',
    });
  });

  it('400 problem+json names each field at fault, unknown ones included; a commune outside the basin is 422; nothing is written', async () => {
    const { body: op } = await register();
    const before = await head();
    const res = await register({ name: '', communeInsee: 'Lens', date: '31/02/2023', actor: 'someone-else' });
    expect([res.status, res.contentType?.split(';')[0]]).toEqual([400, 'application/problem+json']);
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['name', 'communeInsee', 'date', 'actor']));
    const noReason = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, { token: editor, body: { name: 'Autre nom', date: '2023-02-01' } });
    expect([noReason.status, noReason.body.field]).toEqual([400, 'reason']);
    expect((await register({ communeInsee: '75056' })).body).toMatchObject({ status: 422, rule: 'unknown-commune', field: 'communeInsee' });
    expect(await head()).toBe(before);
  });

  it('writes for its own editors only', async () => {
    expect((await register()).status).toBe(201);
    const other = await t.request('POST', '/politique-de-la-ville/operations', {
      token: t.token('editor', 'other-domain'),
      body: { name: 'x', communeInsee: '59178', date: '2023-01-10' },
    });
    expect(other.status).toBe(403);
    expect((await t.request('GET', '/politique-de-la-ville/operations', { token: t.token('sgar') })).status).toBe(200);
  });

  it('shows a commitment announced on the operation, with its ledgers', async () => {
    const { body: op } = await register();
    const commitment = await t.request('POST', `/politique-de-la-ville/operations/${op.id}/commitments`, {
      token: editor,
      body: { financer: 'etat', fundingLine: 'etat-p135', amountCents: 400_000_00, date: '2023-02-01' },
    });
    expect(commitment.status).toBe(201);
    const read = await t.request('GET', `/politique-de-la-ville/operations/${op.id}`, { token: editor });
    expect(read.body.revision).toBe(1);
    expect(read.body.commitments.map((c: { id: string; financer: string; ledgers: { announced: number } }) => [c.id, c.financer, c.ledgers.announced])).toEqual(
      [[commitment.body.id, 'etat', 400_000_00]],
    );
    expect(read.body.financing.total.announced).toBe(400_000_00);
  });

  it('lists the operations from its read model, once the projection has caught up', async () => {
    const { body: op } = await register({ name: 'Opération listée' });
    await t.request('POST', `/politique-de-la-ville/operations/${op.id}/commitments`, {
      token: editor,
      body: { financer: 'etat', fundingLine: 'etat-p135', amountCents: 1_00, date: '2023-02-01' },
    });
    const listed = async () => (await t.request('GET', '/politique-de-la-ville/operations', { token: editor })).body;
    expect((await listed()).operations.some((o: { id: string }) => o.id === op.id)).toBe(false);
    await catchUp();
    const list = await listed();
    expect(list.freshness.checkpoint).not.toBeNull();
    expect(list.operations.find((o: { id: string }) => o.id === op.id)).toEqual({
      id: op.id,
      name: 'Opération listée',
      communeInsee: '59178',
      arrondissement: '593',
      eligibleCostCents: 1_000_000_00,
      registeredOn: '2023-01-10',
      commitmentCount: 1,
      revision: 1,
    });
  });

  it('moves the indicator totals with the operations: an operation moved to another arrondissement moves its count', async () => {
    await catchUp();
    const count = async (arrondissement: string) => {
      const { indicators } = (await t.request('GET', '/politique-de-la-ville/indicators', { token: editor })).body;
      const registered = indicators.find((i: { indicator: string }) => i.indicator === 'operations-registered');
      expect(registered).toMatchObject({ unit: 'opérations', target: null, definition: expect.any(String) });
      return registered.byArrondissement.find((a: { arrondissement: string }) => a.arrondissement === arrondissement)?.value ?? 0;
    };
    const [in593, in622] = [await count('593'), await count('622')];
    const { body: op } = await register();
    await catchUp();
    expect([await count('593'), await count('622')]).toEqual([in593 + 1, in622]);
    await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, {
      token: editor,
      body: { communeInsee: '62119', reason: 'erreur de commune', date: '2023-02-01' },
    });
    await catchUp();
    expect([await count('593'), await count('622')]).toEqual([in593, in622 + 1]);
  });
});
