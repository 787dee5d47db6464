import { ReadModels } from '@erbm/shared/api';
import { type Json, type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { politiqueDeLaVilleService } from '../testing/service';

/**
 * The posts and actions of politique de la ville over HTTP, on the domain's service alone: where an operation is placed
 * (commune, contrat de ville, département) and why it is flagged, its amendments, what a request or a rule refuses, who
 * writes, its commitments, the list from the register, the dispositifs, and the indicators' shape.
 */
describe('politique-de-la-ville-api: posts and actions over HTTP', () => {
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
  const ok = async (method: string, path: string, body?: unknown): Promise<Record<string, Json>> => {
    const res = await t.request(method, path, { token: editor, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const get = (path: string, token = editor) => t.request('GET', path, { token });
  /** An action of a contrat de ville in Lens (inside the ERBM perimeter), unless the body says otherwise. */
  const action = (body: Record<string, unknown> = {}) =>
    t.request('POST', '/politique-de-la-ville/operations', {
      token: editor,
      body: {
        kind: 'action',
        dispositif: 'actions-contrats-de-ville',
        name: 'Médiation sociale à Lens-Sud',
        communeInsee: '62498',
        contratDeVille: 'CV219',
        eligibleCostCents: 60_000_00,
        date: '2023-02-06',
        ...body,
      },
    });
  /** An adulte-relais post of the contrat de ville of Lens-Liévin, placed by it alone. */
  const post = (body: Record<string, unknown> = {}) =>
    t.request('POST', '/politique-de-la-ville/operations', {
      token: editor,
      body: {
        kind: 'poste-adulte-relais',
        dispositif: 'adultes-relais',
        name: 'Adulte-relais, médiation école-familles',
        contratDeVille: 'CV219',
        postId: '06212R0008',
        quotite: 1,
        date: '2023-01-10',
        ...body,
      },
    });
  const fields = (body: { errors?: { field: string }[] }) => new Set((body.errors ?? []).map((e) => e.field));

  it('registers an action by its commune: 201 with Location and ETag; département, arrondissement and EPCI follow from the commune', async () => {
    const res = await action();
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/politique-de-la-ville/operations/${res.body.id}`);
    expect(res.headers.get('etag')).toBe('"0"');
    expect(res.body).toMatchObject({
      domain: 'politique-de-la-ville',
      revision: 0,
      kind: 'action',
      dispositif: 'actions-contrats-de-ville',
      communeInsee: '62498',
      communeName: 'Lens',
      departement: '62',
      arrondissement: '627',
      epci: '246200364',
      contratDeVille: 'CV219',
      eligibleCostCents: 60_000_00,
      registeredOn: '2023-02-06',
      commitments: [],
    });
    // Inside the perimeter, in a contrat de ville: nothing to flag.
    expect(res.body.flags).toBeUndefined();
    const read = await get(res.headers.get('location') as string);
    expect([read.status, read.headers.get('etag'), read.body.name, read.body.arrondissement]).toEqual([200, '"0"', 'Médiation sociale à Lens-Sud', '627']);
  });

  it('flags an action in a commune outside the ERBM perimeter (Lille), placed all the same', async () => {
    const res = await action({ communeInsee: '59350', contratDeVille: 'CV192', name: 'Action à Lille' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ communeInsee: '59350', departement: '59', arrondissement: '595', flags: ['hors-perimetre-erbm'] });
  });

  it("places a post by its contrat de ville alone (its EPCI's arrondissement), and by its département alone with a flag", async () => {
    const byCv = await post();
    expect(byCv.status).toBe(201);
    expect(byCv.body).toMatchObject({
      kind: 'poste-adulte-relais',
      postId: '06212R0008',
      contratDeVille: 'CV219',
      contratDeVilleName: '62 - CA de Lens - Liévin',
      epci: '246200364',
      arrondissement: '627',
      departement: '62',
    });
    expect(byCv.body.communeInsee).toBeUndefined();
    expect(byCv.body.flags).toBeUndefined();
    const byDepartement = await post({ contratDeVille: undefined, departement: '59', postId: '05912R0001' });
    expect(byDepartement.status).toBe(201);
    expect(byDepartement.body).toMatchObject({ departement: '59', flags: ['sans-contrat-de-ville'] });
    expect([byDepartement.body.arrondissement, byDepartement.body.epci]).toEqual([undefined, undefined]);
  });

  it('amends with If-Match and a reason, placing it again; a stale If-Match is 409 and writes nothing', async () => {
    const { body: op } = await action();
    const amended = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, {
      token: editor,
      headers: { 'if-match': '"0"' },
      body: { communeInsee: '59350', contratDeVille: 'CV192', reason: 'erreur de commune', date: '2023-03-01' },
    });
    expect([amended.status, amended.headers.get('etag')]).toEqual([200, '"1"']);
    expect(amended.body).toMatchObject({ revision: 1, communeInsee: '59350', arrondissement: '595', departement: '59', flags: ['hors-perimetre-erbm'] });
    const before = await head();
    const stale = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, {
      token: editor,
      headers: { 'if-match': '"0"' },
      body: { name: 'Autre nom', reason: 'renommée', date: '2023-03-02' },
    });
    expect([stale.status, stale.contentType?.split(';')[0], stale.body.expectedRevision, stale.body.actualRevision]).toEqual([
      409,
      'application/problem+json',
      0,
      1,
    ]);
    expect(await head()).toBe(before);
    expect((await get(`/politique-de-la-ville/operations/${op.id}`)).body).toMatchObject({ revision: 1, name: 'Médiation sociale à Lens-Sud' });
  });

  it('400 problem+json names each field at fault, an unknown one included; nothing is written', async () => {
    const { body: op } = await action();
    const before = await head();
    const res = await action({ kind: 'poste', dispositif: 'dispositif-inconnu', date: '31/02/2023', color: 'red' });
    expect([res.status, res.contentType?.split(';')[0]]).toEqual([400, 'application/problem+json']);
    expect(fields(res.body)).toEqual(new Set(['kind', 'dispositif', 'date', 'color']));
    const noReason = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, { token: editor, body: { name: 'Autre nom', date: '2023-03-01' } });
    expect([noReason.status, [...fields(noReason.body)]]).toEqual([400, ['reason']]);
    // The kind of an operation is not amended: not even a field of the amendment.
    const kind = await t.request('PATCH', `/politique-de-la-ville/operations/${op.id}`, {
      token: editor,
      body: { kind: 'poste-fonjep', reason: 'r', date: '2023-03-01' },
    });
    expect([kind.status, [...fields(kind.body)]]).toEqual([400, ['kind']]);
    expect(await head()).toBe(before);
  });

  it('422 names the rule: unknown commune, unknown contrat de ville, a dispositif of another kind or not in force, an unknown beneficiary', async () => {
    const before = await head();
    expect((await action({ communeInsee: '75056' })).body).toMatchObject({ status: 422, rule: 'unknown-commune', field: 'communeInsee' });
    expect((await post({ contratDeVille: 'CV999' })).body).toMatchObject({ status: 422, rule: 'unknown-contrat-de-ville', field: 'contratDeVille' });
    // Lille is not in the intercommunalité of Lens-Liévin's contrat de ville.
    expect((await action({ communeInsee: '59350', contratDeVille: 'CV219' })).body).toMatchObject({
      status: 422,
      rule: 'commune-outside-contrat-de-ville',
      field: 'communeInsee',
    });
    expect((await action({ dispositif: 'adultes-relais' })).body).toMatchObject({ status: 422, rule: 'dispositif-of-another-kind', field: 'dispositif' });
    expect((await action({ dispositif: 'cordees-de-la-reussite', date: '2019-06-01' })).body).toMatchObject({
      status: 422,
      rule: 'unknown-dispositif',
      field: 'dispositif',
    });
    const beneficiary = await action({ beneficiaryId: 'association-inconnue' });
    expect([beneficiary.status, beneficiary.contentType?.split(';')[0]]).toEqual([422, 'application/problem+json']);
    expect(beneficiary.body).toMatchObject({ rule: 'unknown-beneficiary', field: 'beneficiaryId' });
    expect(await head()).toBe(before);
    // A beneficiary that exists is taken.
    const { id: beneficiaryId } = await ok('POST', '/beneficiaries', { legalName: 'Association Lens-Sud Médiation', kind: 'association' });
    expect((await action({ beneficiaryId })).body).toMatchObject({ beneficiaryId });
  });

  it('writes for its own editors only; other readers may read', async () => {
    const before = await head();
    const other = await t.request('POST', '/politique-de-la-ville/operations', {
      token: t.token('editor', 'habitat'),
      body: { kind: 'action', dispositif: 'actions-contrats-de-ville', name: 'x', communeInsee: '62498', date: '2023-01-10' },
    });
    expect([other.status, other.contentType?.split(';')[0]]).toEqual([403, 'application/problem+json']);
    expect(await head()).toBe(before);
    expect((await get('/politique-de-la-ville/operations', t.token('sgar'))).status).toBe(200);
  });

  it("shows a commitment announced on the operation in its view, with its ledgers and the operation's revision moved", async () => {
    const { body: op } = await action();
    const commitment = await t.request('POST', `/politique-de-la-ville/operations/${op.id}/commitments`, {
      token: editor,
      body: { financer: 'etat', fundingLine: 'etat-p147', amountCents: 30_000_00, date: '2023-02-10' },
    });
    expect(commitment.status).toBe(201);
    const read = await get(`/politique-de-la-ville/operations/${op.id}`);
    expect(read.body.revision).toBe(1);
    expect(
      read.body.commitments.map((c: { id: string; financer: string; fundingLine: string; ledgers: { announced: number } }) => [
        c.id,
        c.financer,
        c.fundingLine,
        c.ledgers.announced,
      ]),
    ).toEqual([[commitment.body.id, 'etat', 'etat-p147', 30_000_00]]);
    expect(read.body.financing).toMatchObject({ commitmentCount: 1, total: { announced: 30_000_00, committed: 0 } });
    expect(read.body.fundedYears).toEqual([]);
  });

  it('lists the operations from the register once caught up, filtered by kind, post id and flag; bad filters are 400', async () => {
    const { body: listedPost } = await post({ postId: 'LISTE0001', name: 'Poste listé' });
    const { body: flagged } = await post({ contratDeVille: undefined, departement: '62', postId: 'LISTE0002', name: 'Poste sans contrat' });
    const list = async (query = '') => (await get(`/politique-de-la-ville/operations${query}`)).body;
    expect((await list()).operations.some((o: { id: string }) => o.id === listedPost.id)).toBe(false);
    await catchUp();
    const all = await list();
    expect(all.freshness.checkpoint).not.toBeNull();
    expect(all.operationCount).toBe(all.operations.length);
    expect(all.operations.find((o: { id: string }) => o.id === listedPost.id)).toEqual({
      id: listedPost.id,
      kind: 'poste-adulte-relais',
      dispositif: 'adultes-relais',
      name: 'Poste listé',
      postId: 'LISTE0001',
      departement: '62',
      contratDeVille: 'CV219',
      arrondissement: '627',
      beneficiaryId: null,
      employerName: null,
      flags: [],
      eligibleCostCents: null,
      registeredOn: '2023-01-10',
      commitmentCount: 0,
      conventionCount: 0,
      warningCount: 0,
      revision: 0,
    });
    const kinds = (await list('?kind=action')).operations.map((o: { kind: string }) => o.kind);
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['action']));
    expect((await list('?postId=LISTE0001')).operations.map((o: { id: string }) => o.id)).toEqual([listedPost.id]);
    const unplaced = (await list('?flag=sans-contrat-de-ville')).operations;
    expect(unplaced.map((o: { id: string }) => o.id)).toContain(flagged.id);
    expect(unplaced.every((o: { flags: string[] }) => o.flags.includes('sans-contrat-de-ville'))).toBe(true);
    expect((await list('?kind=poste-fonjep&postId=LISTE0001')).operations).toEqual([]);
    const bad = await get('/politique-de-la-ville/operations?kind=poste&flag=rouge&postId=x');
    expect([bad.status, bad.contentType?.split(';')[0]]).toEqual([400, 'application/problem+json']);
    expect(fields(bad.body)).toEqual(new Set(['kind', 'flag', 'postId']));
  });

  it('lists the dispositifs in force on a date, with their kind and source; a bad date is 400', async () => {
    const now = await get('/politique-de-la-ville/dispositifs');
    expect(now.status).toBe(200);
    expect(now.body.version).toEqual(expect.any(String));
    expect(now.body.dispositifs.map((d: { code: string }) => d.code)).toEqual(expect.arrayContaining(['adultes-relais', 'cordees-de-la-reussite']));
    const in2019 = (await get('/politique-de-la-ville/dispositifs?date=2019-06-01')).body;
    expect(in2019.date).toBe('2019-06-01');
    const codes = in2019.dispositifs.map((d: { code: string }) => d.code);
    expect(codes).toContain('marrainage-parrainage');
    expect(codes).not.toContain('cordees-de-la-reussite');
    expect(in2019.dispositifs.find((d: { code: string }) => d.code === 'adultes-relais')).toMatchObject({
      kind: 'poste-adulte-relais',
      source: expect.any(String),
    });
    const bad = await get('/politique-de-la-ville/dispositifs?date=2019-13-01');
    expect([bad.status, [...fields(bad.body)]]).toEqual([400, ['date']]);
  });

  // No other test of this file commits money: until this one does, nothing is funded.
  it("gives every indicator with its definition, 0 before any funding; a State commitment on P147 counts its post in the post's arrondissement", async () => {
    await catchUp();
    const before = (await get('/politique-de-la-ville/indicators')).body;
    expect(before.fiscalYear).toBeNull();
    expect(before.fundedYears).toEqual([]);
    expect(before.indicators.map((i: { indicator: string }) => i.indicator)).toEqual([
      'postes-adultes-relais',
      'postes-fonjep',
      'etp-finances',
      'structures-financees',
    ]);
    for (const i of before.indicators) expect(i).toMatchObject({ definition: expect.any(String), unit: expect.any(String), value: 0, byArrondissement: [] });
    expect(before['euros-par-habitant-qpv']).toMatchObject({
      indicator: 'euros-par-habitant-qpv',
      unit: '€ / habitant',
      definition: expect.any(String),
      byContratDeVille: [],
    });

    const { body: funded } = await post({ postId: 'FINANCE01', name: 'Poste financé' });
    const meeting = await ok('POST', '/politique-de-la-ville/meetings', { body: 'copil', date: '2023-03-20', place: 'Lille' });
    await ok('POST', `/politique-de-la-ville/meetings/${meeting.id}/decisions`, {
      decisionId: 'D1',
      subject: 'Programmation 2023 des postes adultes-relais',
      outcome: 'approved',
      amounts: [{ financer: 'etat', fundingLine: 'etat-p147', amountCents: 22_555_73 }],
    });
    const commitment = await ok('POST', `/politique-de-la-ville/operations/${funded.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p147',
      amountCents: 22_555_73,
      date: '2023-03-01',
    });
    await ok('POST', `/politique-de-la-ville/commitments/${commitment.id}/programme`, {
      amountCents: 22_555_73,
      date: '2023-03-20',
      decision: { meetingId: meeting.id, decisionId: 'D1' },
    });
    await ok('POST', `/politique-de-la-ville/commitments/${commitment.id}/commit`, {
      amountCents: 22_555_73,
      date: '2023-04-12',
      legalAct: { kind: 'convention', reference: 'CONV-06212R0008-2023', date: '2023-04-12' },
    });
    await catchUp();
    const after = (await get('/politique-de-la-ville/indicators')).body;
    expect([after.fiscalYear, after.fundedYears]).toEqual([2023, [2023]]);
    const indicator = (code: string) => after.indicators.find((i: { indicator: string }) => i.indicator === code);
    expect(indicator('postes-adultes-relais')).toMatchObject({ value: 1, byArrondissement: [{ arrondissement: '627', value: 1 }] });
    expect(indicator('postes-fonjep')).toMatchObject({ value: 0, byArrondissement: [] });
    // The year's flat rate for one full-time post: one ETP.
    expect(indicator('etp-finances')).toMatchObject({ value: 1 });
    expect(after['euros-par-habitant-qpv'].byContratDeVille).toEqual([
      { contratDeVille: 'CV219', label: '62 - CA de Lens - Liévin', netCommitted: 22_555_73, qpvPopulation: 53545, value: 0.42 },
    ]);
    // The year asked for: nothing funded in 2022.
    const in2022 = (await get('/politique-de-la-ville/indicators?year=2022')).body;
    expect(in2022.fiscalYear).toBe(2022);
    expect(in2022.indicators.map((i: { value: number }) => i.value)).toEqual([0, 0, 0, 0]);
    expect((await get('/politique-de-la-ville/indicators?year=1999')).status).toBe(400);
    expect((await get(`/politique-de-la-ville/operations/${funded.id}`)).body.fundedYears).toEqual([2023]);
  });
});
