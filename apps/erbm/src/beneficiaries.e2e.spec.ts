import { ReadModels } from '@erbm/shared/api';
import { type Json, type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';

/** SIRETs of the adultes-relais file (BOP 147), with the two names one of them goes by there. */
const GIP = { siret: '13000155500031', legalName: 'GIP REUSSIR EN SAMBRE AVESNOIS' };
const PIMMS = { siret: '49236532500066', names: ['NPU PIMMS MEDIATION ARTOIS GOHELLE', 'PIMMS MEDIATION ARTOIS GOHELLE - NPU'] };

/**
 * Beneficiaries (tiers), shared by every domain: registered by a checked identifier or by name, resolved later with who,
 * when and why, named on commitments, and an axis of the SGAR's totals with a view of what each one received.
 */
describe('beneficiaries: who receives the money', () => {
  let t: TestApp;
  const domain = DOMAINS[0];
  let editor: string;
  const catchUp = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };
  const ok = async (method: string, path: string, body?: unknown, token = editor): Promise<Json> => {
    const res = await t.request(method, path, { token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  let operationId: string;
  const announce = (body: Record<string, unknown>) =>
    t.request('POST', `/${domain.name}/operations/${operationId}/commitments`, {
      token: editor,
      body: { financer: 'etat', fundingLine: 'etat-p135', date: '2023-02-01', ...body },
    });

  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true }));
    editor = t.token('editor', domain.name);
    const registered = await t.request('POST', `/${domain.name}/operations`, {
      token: editor,
      body: domain.samples.operationRequest({ name: 'Opération des tiers', communeInsee: '59178', date: '2022-10-01' }),
    });
    operationId = (registered.headers.get('location') as string).split('/').pop() as string;
  });
  afterAll(() => t?.close());

  it('registers a beneficiary by its SIRET (resolved, its SIREN derived), any domain’s editor may; others may not write', async () => {
    const res = await t.request('POST', '/beneficiaries', {
      token: editor,
      body: { legalName: GIP.legalName, kind: 'public-body', siret: '130 001 555 00031' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/beneficiaries/${res.body.id}`);
    expect(res.body).toMatchObject({ status: 'resolved', siret: GIP.siret, siren: '130001555', rna: null, legalName: GIP.legalName, otherNames: [] });
    for (const role of ['sgar', 'auditor'] as const) {
      const refused = await t.request('POST', '/beneficiaries', { token: t.token(role), body: { legalName: 'X', kind: 'unknown' } });
      expect([role, refused.status, refused.body.type]).toEqual([role, 403, expect.stringContaining('forbidden')]);
    }
    expect((await t.request('GET', `/beneficiaries/${res.body.id}`, { token: t.token('auditor') })).status).toBe(200);
  });

  it('refuses a SIRET that fails its check, naming the field, and malformed input as 400', async () => {
    const bad = await t.request('POST', '/beneficiaries', { token: editor, body: { legalName: 'X', kind: 'company', siret: '13000155500032' } });
    expect([bad.status, bad.body.rule, bad.body.field]).toEqual([422, 'invalid-siret', 'siret']);
    const malformed = await t.request('POST', '/beneficiaries', { token: editor, body: { kind: 'club' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['kind', 'legalName']);
  });

  it('answers a second registration of a SIRET, even two at once, with the id of the one beneficiary it has; the other name is kept on it', async () => {
    const attempts = await Promise.all(
      PIMMS.names.map((legalName) => t.request('POST', '/beneficiaries', { token: editor, body: { legalName, kind: 'association', siret: PIMMS.siret } })),
    );
    expect(attempts.map((a) => a.status).sort()).toEqual([201, 422]);
    const created = attempts.find((a) => a.status === 201)?.body;
    const refused = attempts.find((a) => a.status === 422)?.body;
    expect(refused).toMatchObject({ rule: 'beneficiary-siret-exists', field: 'siret', beneficiaryId: created.id });
    const other = PIMMS.names.find((n) => n !== created.legalName) as string;
    const named = await ok('POST', `/beneficiaries/${created.id}/names`, { name: other });
    expect(named.otherNames).toEqual([other]);
    await catchUp();
    const found = await ok('GET', `/beneficiaries?siret=${PIMMS.siret}`);
    expect(found.rows.map((r: { id: string }) => r.id)).toEqual([created.id]);
    expect((await ok('GET', '/beneficiaries?q=pimms%20mediation')).rows.map((r: { id: string }) => r.id)).toEqual([created.id]);
  });

  it('registers once whatever the retries: the same Idempotency-Key answers the same beneficiary, and a claim a crash left without its beneficiary is completed', async () => {
    const body = { legalName: 'COMMUNE DE DUNKERQUE', kind: 'collectivite', siret: '20002715900017' };
    const headers = { 'Idempotency-Key': 'dunkerque-1' };
    const first = await t.request('POST', '/beneficiaries', { token: editor, body, headers });
    const retry = await t.request('POST', '/beneficiaries', { token: editor, body, headers });
    expect([first.status, retry.status, retry.body.id]).toEqual([201, 201, first.body.id]);
    expect((await t.store.readStream(`beneficiary-${first.body.id}`)).map((e) => e.type)).toEqual(['beneficiary.Registered']);
    expect((await t.store.readStream('beneficiary-siret-20002715900017')).map((e) => e.data)).toEqual([
      expect.objectContaining({ siret: '20002715900017', beneficiaryId: first.body.id }),
    ]);

    // The process stopped right after the claim of a SIRET: the claim holds the registration, the beneficiary's stream is empty.
    const orphan = '0b6e0000-0000-4000-8000-000000000001';
    const registration = {
      beneficiaryId: orphan,
      legalName: 'COMMUNAUTE URBAINE D ARRAS',
      kind: 'collectivite',
      siret: '20003357900018',
      siren: '200033579',
      date: '2023-01-16',
    };
    await t.store.append(
      'beneficiary-siret-20003357900018',
      [
        {
          id: '0b6e0000-0000-4000-8000-000000000002',
          type: 'beneficiary.SiretClaimed',
          schemaVersion: 1,
          data: { siret: '20003357900018', beneficiaryId: orphan, registration },
          envelope: { actor: { userId: 'agent-cua', role: 'editor', organisation: 'CUA' }, occurredAt: '2023-01-16' },
        },
      ],
      'no_stream',
    );
    expect((await t.request('GET', `/beneficiaries/${orphan}`)).status).toBe(404);
    const again = await t.request('POST', '/beneficiaries', { token: editor, body: { legalName: 'CU ARRAS', kind: 'collectivite', siret: '20003357900018' } });
    expect([again.status, again.body.rule, again.body.beneficiaryId]).toEqual([422, 'beneficiary-siret-exists', orphan]);
    const completed = await ok('GET', `/beneficiaries/${orphan}`);
    expect(completed).toMatchObject({ legalName: 'COMMUNAUTE URBAINE D ARRAS', siret: '20003357900018', status: 'resolved' });
    expect(completed.facts).toEqual([
      expect.objectContaining({ type: 'beneficiary.Registered', recordedBy: expect.objectContaining({ userId: 'agent-cua' }) }),
    ]);
  });

  it('records a beneficiary known by name only, lists it as unresolved, and resolves it with a reason: who, when and why in its trail', async () => {
    const known = await ok('POST', '/beneficiaries', { legalName: 'CENTRE SOCIAL IMAGINE', kind: 'association', date: '2023-01-05' });
    expect(known).toMatchObject({ status: 'unresolved', siret: null });
    await catchUp();
    const unresolved = await ok('GET', '/beneficiaries?status=unresolved');
    expect(unresolved.rows.map((r: { id: string }) => r.id)).toContain(known.id);
    expect(unresolved.rows.every((r: { status: string }) => r.status === 'unresolved')).toBe(true);

    const noReason = await t.request('POST', `/beneficiaries/${known.id}/resolve`, { token: editor, body: { siret: '39231384700015' } });
    expect(noReason.status).toBe(400);
    const taken = await t.request('POST', `/beneficiaries/${known.id}/resolve`, { token: editor, body: { siret: GIP.siret, reason: 'erreur' } });
    expect([taken.status, taken.body.rule]).toEqual([422, 'beneficiary-siret-exists']);
    const resolver = t.token('editor', domain.name, { userId: 'agent-ddets' });
    const resolved = await ok(
      'POST',
      `/beneficiaries/${known.id}/resolve`,
      { siret: '39231384700015', reason: 'avis de situation Sirene', date: '2023-03-03' },
      resolver,
    );
    expect(resolved).toMatchObject({
      status: 'resolved',
      siret: '39231384700015',
      siren: '392313847',
      resolvedOn: '2023-03-03',
      resolutionReason: 'avis de situation Sirene',
    });
    expect(resolved.facts.at(-1)).toMatchObject({
      type: 'beneficiary.Resolved',
      recordedBy: { userId: 'agent-ddets', role: 'editor' },
      reason: 'avis de situation Sirene',
      recordedAt: expect.any(String),
    });
    await catchUp();
    expect((await ok('GET', '/beneficiaries?status=unresolved')).rows.map((r: { id: string }) => r.id)).not.toContain(known.id);
  });

  it('names the beneficiary of a commitment (which must exist), changes it with a reason, and shows it in the view, the history and the SGAR', async () => {
    const gip = (await ok('GET', `/beneficiaries?siret=${GIP.siret}`)).rows[0].id as string;
    const imagine = (await ok('GET', '/beneficiaries?q=imagine')).rows[0].id as string;
    const unknown = await announce({ amountCents: 1_000_00, beneficiaryId: 'nobody' });
    expect([unknown.status, unknown.body.rule, unknown.body.field]).toEqual([422, 'unknown-beneficiary', 'beneficiaryId']);

    const withGip = (await announce({ amountCents: 300_000_00, beneficiaryId: gip })).body;
    expect(withGip.beneficiaryId).toBe(gip);
    const noneYet = (await announce({ amountCents: 50_000_00 })).body;
    expect(noneYet.beneficiaryId).toBeNull();
    const other = (await announce({ amountCents: 20_000_00, beneficiaryId: gip })).body;
    const moved = await ok('POST', `/${domain.name}/commitments/${other.id}/beneficiary`, {
      beneficiaryId: imagine,
      date: '2023-04-01',
      reason: 'convention signée par le centre social',
    });
    expect(moved.beneficiaryId).toBe(imagine);
    expect(moved.facts.at(-1)).toMatchObject({ type: 'ledger.CommitmentBeneficiaryAssigned', reason: 'convention signée par le centre social' });
    const same = await t.request('POST', `/${domain.name}/commitments/${other.id}/beneficiary`, {
      token: editor,
      body: { beneficiaryId: imagine, date: '2023-04-02', reason: 'encore' },
    });
    expect([same.status, same.body.rule]).toEqual([422, 'same-beneficiary']);
    const lineage = await ok('GET', `/audit/lineage/commitment/${other.id}`, undefined, t.token('auditor'));
    expect(lineage.amendments.map((a: { label: string }) => a.label)).toContain('Bénéficiaire de l’engagement désigné');

    await catchUp();
    const sgar = t.token('sgar');
    const byBeneficiary = await ok('GET', '/sgar/totals?groupBy=beneficiary', undefined, sgar);
    const row = (b: string) => byBeneficiary.rows.find((r: { beneficiary: string }) => r.beneficiary === b);
    expect(row(gip)).toMatchObject({ announced: 300_000_00, commitmentCount: 1, beneficiaryName: GIP.legalName });
    expect(row(imagine)).toMatchObject({ announced: 20_000_00, beneficiaryName: 'CENTRE SOCIAL IMAGINE' });
    expect(row('')).toMatchObject({ announced: 50_000_00, beneficiaryName: null });
    const filtered = await ok('GET', `/sgar/totals?beneficiary=${gip}&groupBy=financer`, undefined, sgar);
    expect(filtered.total.announced).toBe(300_000_00);
  });

  it('tells the SGAR what a beneficiary received, from whom, on which lines, in which years: totals equal to its commitments’ sum, in CSV too', async () => {
    const gip = (await ok('GET', `/beneficiaries?siret=${GIP.siret}`)).rows[0].id as string;
    const second = (await announce({ amountCents: 70_000_00, beneficiaryId: gip, date: '2024-03-01' })).body;
    await catchUp();
    const sgar = t.token('sgar');
    const view = await ok('GET', `/sgar/beneficiaries/${gip}`, undefined, sgar);
    expect(view.beneficiary).toMatchObject({ id: gip, siret: GIP.siret, status: 'resolved' });
    expect(view.rows.map((r: Json) => [r.financer, r.fundingLine, r.fiscalYear, r.announced])).toEqual([
      ['etat', 'etat-p135', 2023, 300_000_00],
      ['etat', 'etat-p135', 2024, 70_000_00],
    ]);
    expect(view.rows[0]).toMatchObject({ financerName: expect.any(String), fundingLineLabel: expect.any(String) });
    const behind = await ok('GET', `/sgar/totals/commitments?beneficiary=${gip}`, undefined, sgar);
    expect(behind.rows.map((r: { id: string }) => r.id).sort()).toContain(second.id);
    expect(view.total).toEqual(behind.total);
    expect(view.total.announced).toBe(370_000_00);

    const csv = await t.request('GET', `/sgar/beneficiaries/${gip}?format=csv`, { token: sgar });
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain(';etat-p135;État, programme 135');
    expect(String(csv.body)).toContain(';2023;1;300000,00;');
    expect((await t.request('GET', `/sgar/beneficiaries/${gip}`, { token: editor })).status).toBe(403);
    expect((await t.request('GET', '/sgar/beneficiaries/nobody', { token: sgar })).status).toBe(404);
  });
});
