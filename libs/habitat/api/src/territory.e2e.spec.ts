import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { catchUp, habitatService } from './testing/service';

/** An operation of the test, in Lens, with the fields the request may change. */
const operation = (over: Record<string, unknown> = {}) => ({
  name: 'Cité 4',
  cite: 'Cité 4',
  communeInsee: '62498',
  landlord: 'maisons_et_cites',
  dwellingsPlanned: 60,
  energyLabelBefore: 'F',
  energyLabelTarget: 'C',
  date: '2022-12-01',
  ...over,
});

describe('habitat-api: operations placed on the territory of Nord and Pas-de-Calais, with their quartiers prioritaires', () => {
  let t: TestApp;
  let editor: string;
  let reader: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
    reader = t.token('auditor');
  });
  afterAll(() => t.close());

  it('registers an operation with its QPV codes, and amends them; Lens is in arrondissement 627', async () => {
    const op = await t.request('POST', '/habitat/operations', { token: editor, body: operation({ qpv: ['QP062045', 'QP062046'] }) });
    expect(op.status).toBe(201);
    expect(op.body).toMatchObject({ qpv: ['QP062045', 'QP062046'], communeInsee: '62498', arrondissement: '627', arrondissementName: 'Lens' });
    const amended = await t.request('PATCH', `/habitat/operations/${op.body.id}`, {
      token: editor,
      headers: { 'If-Match': op.headers.get('etag') as string },
      body: { qpv: ['QN06201M'], reason: 'géographie prioritaire de 2024', date: '2024-02-01' },
    });
    expect(amended.status).toBe(200);
    expect((await t.request('GET', `/habitat/operations/${op.body.id}`, { token: reader })).body.qpv).toEqual(['QN06201M']);
    // A commune outside the mining basin is in the referential now: Lille.
    const lille = await t.request('POST', '/habitat/operations', { token: editor, body: operation({ communeInsee: '59350' }) });
    expect(lille.body).toMatchObject({ arrondissement: '595', arrondissementName: 'Lille' });
    await catchUp(t);
    const listed = (await t.request('GET', '/habitat/operations', { token: reader })).body;
    expect(JSON.stringify(listed)).toContain(op.body.id);
  });

  it('refuses malformed QPV codes with a 400 naming the field, and a 2024 quartier before 2024 with a 422', async () => {
    for (const qpv of [['QP62045'], ['QP062045', 'QP062045'], 'QP062045', [12]]) {
      const res = await t.request('POST', '/habitat/operations', { token: editor, body: operation({ qpv }) });
      expect([res.status, res.contentType?.split(';')[0], res.body.errors?.map((e: { field: string }) => e.field)]).toEqual([
        400,
        'application/problem+json',
        ['qpv'],
      ]);
    }
    const early = await t.request('POST', '/habitat/operations', { token: editor, body: operation({ qpv: ['QN06201M'] }) });
    expect([early.status, early.body.rule, early.body.field]).toEqual([422, 'qpv-not-in-force', 'qpv']);
  });
});

describe('referentials: the territory of Nord and Pas-de-Calais over HTTP', () => {
  let t: TestApp;
  let reader: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    reader = t.token('editor', 'habitat');
  });
  afterAll(() => t.close());
  const get = (path: string) => t.request('GET', path, { token: reader });

  it('lists the EPCIs, the contrats de ville and the ERBM perimeter, by département', async () => {
    const epcis62 = (await get('/referentials/epcis?date=2020-01-01&departement=62')).body.items as { siren: string; departements: string[] }[];
    expect(epcis62.map((e) => e.siren)).toContain('246200364');
    expect(epcis62.map((e) => e.siren)).not.toContain('245901160');
    expect(epcis62.every((e) => e.departements.includes('62'))).toBe(true);
    const communes59 = (await get('/referentials/communes?date=2020-01-01&departement=59')).body.items as { insee: string }[];
    expect(communes59).toHaveLength(647);
    expect(communes59.every((c) => c.insee.startsWith('59'))).toBe(true);
    expect((await get('/referentials/contratsDeVille?date=2020-01-01')).body.items).toHaveLength(24);
    expect((await get('/referentials/contratsDeVille?date=2024-06-01')).body.items).toHaveLength(0);
    const perimeter = (await get('/referentials/erbmPerimeter?date=2020-01-01')).body.items as { insee: string; party: string }[];
    expect(perimeter).toContainEqual(expect.objectContaining({ insee: '62498', party: 'ca_lens_lievin' }));
    expect(perimeter.find((c) => c.insee === '59350')).toBeUndefined();
    expect((await get('/referentials/erbmPerimeter?date=2017-03-06')).body.items).toHaveLength(0);
    const parties59 = (await get('/referentials/parties?date=2020-01-01&departement=59')).body.items as { id: string }[];
    expect(parties59.map((p) => p.id)).toEqual(expect.arrayContaining(['etat', 'cd59', 'ca_douaisis']));
    expect(parties59.map((p) => p.id)).not.toContain('maisons_et_cites');
  });

  it('places a commune at a date', async () => {
    expect((await get('/referentials/places/62498?date=2020-01-01')).body).toEqual({
      date: '2020-01-01',
      communeInsee: '62498',
      epci: '246200364',
      arrondissement: '627',
      departement: '62',
      erbm: true,
      known: 'commune',
    });
    expect((await get('/referentials/places/75056?date=2020-01-01')).body).toMatchObject({ known: 'unknown', erbm: null });
  });

  it('refuses a malformed code, an unknown département, and a filter on a list without départements', async () => {
    const fields = async (path: string) => {
      const res = await get(path);
      return [res.status, (res.body.errors as { field: string }[] | undefined)?.map((e) => e.field)];
    };
    expect(await fields('/referentials/places/6249?date=2020-13-01')).toEqual([400, ['insee', 'date']]);
    expect(await fields('/referentials/communes?departement=75')).toEqual([400, ['departement']]);
    expect(await fields('/referentials/fundingLines?departement=59')).toEqual([400, ['departement']]);
  });
});
