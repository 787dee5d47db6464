import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';

/** `GET /audit/warnings`: the warnings recorded across commitments, by rule, financer, domain and period. */
describe('/audit/warnings', () => {
  let t: TestApp;
  const domain = DOMAINS[0];
  let cState: string;
  let cRegion: string;
  let operationId: string;

  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true, demo: false }));
    const editor = t.token('editor', domain.name);
    const ok = async (path: string, body: unknown) => {
      const res = await t.request('POST', `/${domain.name}${path}`, { token: editor, body });
      if (res.status >= 300) throw new Error(`${path} → ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    };
    const meeting = (await ok('/meetings', { body: 'copil', date: '2023-01-16', place: 'Lille' })).body;
    await ok(`/meetings/${meeting.id}/decisions`, {
      decisionId: 'D1',
      subject: 'Programmation',
      outcome: 'approved',
      amounts: [
        { financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 },
        { financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 100_000_00 },
      ],
    });
    const registered = await ok('/operations', domain.samples.operationRequest({ name: 'Cité des avertissements', communeInsee: '62498', date: '2022-10-01' }));
    operationId = (registered.headers.get('location') as string).split('/').pop() as string;
    const commitment = async (financer: string, fundingLine: string) => {
      const { id } = (await ok(`/operations/${operationId}/commitments`, { financer, fundingLine, amountCents: 100_000_00, date: '2022-11-01' })).body;
      await ok(`/commitments/${id}/programme`, { amountCents: 100_000_00, date: '2023-01-16', decision: { meetingId: meeting.id, decisionId: 'D1' } });
      await ok(`/commitments/${id}/commit`, {
        amountCents: 100_000_00,
        date: '2023-02-01',
        legalAct: { kind: 'convention', reference: `C-${financer}`, date: '2023-02-01' },
      });
      return id as string;
    };
    cState = await commitment('etat', 'etat-p135');
    // An advance of half, before any service fait: above the 30 % limit, beyond what was certified and ordered.
    await ok(`/commitments/${cState}/pay`, { amountCents: 50_000_00, kind: 'advance', reference: 'DP-1', date: '2023-03-02' });
    cRegion = await commitment('region_hdf', 'region-erbm');
    await ok(`/commitments/${cRegion}/certify`, { amountCents: 100_000_00, reference: 'SF-1', date: '2023-05-01' });
    await ok(`/commitments/${cRegion}/order`, { amountCents: 100_000_00, reference: 'DP-2', date: '2023-05-01' });
    // 90 % before the balance: above the 80 % limit, in June.
    await ok(`/commitments/${cRegion}/pay`, { amountCents: 90_000_00, kind: 'interim', reference: 'DP-2', date: '2023-06-10' });
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  });
  afterAll(() => t?.close());

  const get = (query = '', token = t.token('auditor')) => t.request('GET', `/audit/warnings${query}`, { token });
  const summary = (body: { warnings: { commitmentId: string; rule: string; date: string }[] }) =>
    body.warnings.map((w) => `${w.commitmentId === cState ? 'etat' : 'region'} ${w.rule} ${w.date}`);

  it('lists every warning with its commitment, financer, operation, rule, French message, amount, limit and the date of its fact', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.body.warningCount).toBe(4);
    expect(summary(res.body)).toEqual([
      'etat advance-above-limit 2023-03-02',
      'etat payment-exceeds-certified 2023-03-02',
      'etat payment-exceeds-ordered 2023-03-02',
      'region interim-above-limit 2023-06-10',
    ]);
    expect(res.body.warnings[3]).toMatchObject({
      commitmentId: cRegion,
      financer: 'region_hdf',
      financerName: 'Région Hauts-de-France',
      domain: domain.name,
      operationId,
      operationName: 'Cité des avertissements',
      fundingLine: 'region-erbm',
      arrondissement: '627',
      amountCents: 90_000_00,
      limitCents: 80_000_00,
      message: expect.stringContaining('80 %'),
    });
  });

  it.each([
    ['?code=interim-above-limit', ['region interim-above-limit 2023-06-10']],
    ['?financer=etat&code=advance-above-limit', ['etat advance-above-limit 2023-03-02']],
    ['?from=2023-04-01', ['region interim-above-limit 2023-06-10']],
    ['?to=2023-03-02&code=payment-exceeds-ordered', ['etat payment-exceeds-ordered 2023-03-02']],
    ['?from=2023-03-03&to=2023-06-09', []],
    ['?fiscalYear=2030', []],
    [`?domain=${domain.name}&financer=region_hdf`, ['region interim-above-limit 2023-06-10']],
    ['?domain=autre-domaine', []],
  ])('filters %s', async (query, expected) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    expect(summary(res.body)).toEqual(expected);
    expect(res.body.warningCount).toBe(expected.length);
  });

  it('names every bad parameter, in French', async () => {
    const res = await get('?code=nope&from=2023-13-01&fiscalYear=abc&format=pdf');
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['code', 'fiscalYear', 'format', 'from']);
  });

  it('exports to CSV: one line per warning under the French labels', async () => {
    const res = await get('?format=csv');
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(text).toContain('règle');
    expect(text.split(cState).length - 1).toBe(3);
    expect(text.split(cRegion).length - 1).toBe(1);
    expect(text).toContain('interim-above-limit');
  });

  it('exports to XLSX', async () => {
    const res = await fetch(`${t.baseUrl}/audit/warnings?format=xlsx`, { headers: { authorization: `Bearer ${t.token('auditor')}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });

  it("is scoped: a partner lists its party's warnings only, even when asking for another's", async () => {
    const partner = t.token('partner', undefined, { party: 'etat' });
    expect(summary((await get('', partner)).body)).toHaveLength(3);
    expect((await get('?financer=region_hdf', partner)).body.warnings).toEqual([]);
  });

  it("an editor lists its own domain's warnings, and may not ask for another's", async () => {
    expect((await get('', t.token('editor', domain.name))).body.warningCount).toBe(4);
    expect((await get('?domain=autre-domaine', t.token('editor', domain.name))).status).toBe(403);
  });
});
