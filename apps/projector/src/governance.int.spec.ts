import { type CommandContext, ReadModels, uuidFrom } from '@erbm/shared/api';
import { DecisionProgrammings, FinancingLinks } from '@erbm/ledger/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS } from '@erbm/domains';
import { DomainFixtures, withReadModels } from './testing';

/**
 * Meetings of every governance body at `/meetings`, acts that are not meetings at `/acts`, commitments programmed by an
 * act under the act's ceiling, and the lineage that shows the act (ADR 0018).
 */
describe('governance: meetings of every body, acts that are not meetings', () => {
  const [domain] = DOMAINS;
  const d = `/${domain.name}`;
  let t: TestApp;
  let editor: string;
  let sgar: string;
  let auditor: string;
  let f: DomainFixtures;

  beforeAll(async () => {
    t = await startTestApp(withReadModels);
    editor = t.token('editor', domain.name, { userId: 'alice', organisation: 'SGAR Hauts-de-France' });
    sgar = t.token('sgar');
    auditor = t.token('auditor', undefined, { userId: 'ccomptes', organisation: 'Cour des comptes' });
    f = new DomainFixtures(t, domain, editor);
  });
  afterAll(() => t.close());

  const catchUp = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };
  /** A State commitment on programme 135, announced on a new operation of the domain and not programmed yet. */
  const announced = async (amountCents = 100_000_00): Promise<string> => {
    const operation = await f.ok('POST', `${d}/operations`, domain.samples.operationRequest({ name: 'Opération', communeInsee: '59178', date: '2022-10-01' }));
    const commitment = await f.ok('POST', `${d}/operations/${operation.id}/commitments`, {
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents,
      date: '2022-11-01',
    });
    return commitment.id as string;
  };
  const arrete = (overrides: Record<string, unknown> = {}) => ({
    kind: 'arrete-prefectoral',
    issuer: 'etat',
    reference: '2023-DRAC-17',
    date: '2023-03-03',
    document: 'https://www.prefectures-regions.gouv.fr/hauts-de-france/raa/2023-17.pdf',
    subject: 'Subvention à la réhabilitation de la cité',
    amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }],
    ...overrides,
  });

  it('records meetings of any body at /meetings, and lists them by body and by date', async () => {
    const held = async (body: string, date: string) => (await f.ok('POST', '/meetings', { body, date, place: 'Lille' })).id as string;
    const strategique = await held('comite-strategique-politique-ville', '2023-02-10');
    const ddets = await held('comite-technique-ddets-59', '2023-03-15');
    const later = await held('comite-strategique-politique-ville', '2024-02-12');
    const decided = await t.request('POST', `/meetings/${strategique}/decisions`, {
      token: editor,
      body: {
        decisionId: 'D1',
        subject: 'Adultes-relais 2023',
        outcome: 'approved',
        amounts: [{ financer: 'etat', fundingLine: 'etat-p147', amountCents: 50_000_00 }],
      },
    });
    expect(decided.status).toBe(201);
    expect(decided.body).toMatchObject({ id: strategique, body: 'comite-strategique-politique-ville', decisions: [{ decisionId: 'D1' }] });
    expect((await t.request('GET', `/meetings/${strategique}`, { token: sgar })).body).toMatchObject({
      date: '2023-02-10',
      decisions: [{ subject: 'Adultes-relais 2023' }],
    });
    await catchUp();
    const list = async (query: string) => {
      const res = await t.request('GET', `/meetings?${query}`, { token: sgar });
      expect(res.status).toBe(200);
      return (res.body.rows as { id: string; decisions: unknown[] }[]).map((r) => r.id);
    };
    expect(await list('body=comite-strategique-politique-ville')).toEqual([strategique, later]);
    expect(await list('body=comite-strategique-politique-ville&from=2024-01-01')).toEqual([later]);
    expect(await list('from=2023-01-01&to=2023-12-31')).toEqual(expect.arrayContaining([strategique, ddets]));
    expect(await list('from=2023-01-01&to=2023-12-31')).not.toContain(later);
    const [row] = (await t.request('GET', `/meetings?body=comite-strategique-politique-ville&to=2023-12-31`, { token: sgar })).body.rows as {
      decisions: unknown[];
    }[];
    expect(row.decisions).toEqual([
      expect.objectContaining({ decisionId: 'D1', amounts: [{ financer: 'etat', fundingLine: 'etat-p147', amountCents: 50_000_00 }] }),
    ]);
    const bad = await t.request('GET', '/meetings?from=2023-02-30&limit=0', { token: sgar });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['from', 'limit']);
  });

  it("names the meeting's body in the decision a commitment is programmed by", async () => {
    const meeting = await f.ok('POST', '/meetings', { body: 'comite-technique-ddets-62', date: '2023-02-14', place: 'Arras' });
    await f.ok('POST', `/meetings/${meeting.id}/decisions`, {
      decisionId: 'CT-1',
      subject: 'Programmation',
      outcome: 'approved',
      amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 10_000_00 }],
    });
    const id = await announced();
    const view = await f.ok('POST', `${d}/commitments/${id}/programme`, {
      amountCents: 10_000_00,
      date: '2023-02-20',
      decision: { meetingId: meeting.id, decisionId: 'CT-1' },
    });
    expect(view).toMatchObject({ decisions: [{ meetingId: meeting.id, decisionId: 'CT-1', date: '2023-02-14', body: 'comite-technique-ddets-62' }], acts: [] });
  });

  it('lets an editor of any domain or an admin write governance, and no reader', async () => {
    const refused = await t.request('POST', '/meetings', { token: sgar, body: { body: 'copil', date: '2023-01-16', place: 'Lille' } });
    expect(refused.status).toBe(403);
    expect((await t.request('POST', '/acts', { token: auditor, body: arrete() })).status).toBe(403);
    const admin = await t.request('POST', '/meetings', { token: t.token('admin'), body: { body: 'copil', date: '2023-01-16', place: 'Lille' } });
    expect(admin.status).toBe(201);
  });

  it('keeps the old route under a domain answering as before, the same meeting as at /meetings', async () => {
    const meeting = await f.ok('POST', `${d}/meetings`, { body: 'copil', date: '2023-01-16', place: 'Lille' });
    await f.ok('POST', `${d}/meetings/${meeting.id}/minutes`, { minutesReference: 'RD-2023-01' });
    expect(await f.ok('GET', `${d}/meetings/${meeting.id}`, undefined)).toMatchObject({ id: meeting.id, body: 'copil', minutesReference: 'RD-2023-01' });
    expect(await f.ok('GET', `/meetings/${meeting.id}`, undefined)).toMatchObject({ id: meeting.id, minutesReference: 'RD-2023-01' });
    expect((await t.request('GET', `/nowhere/meetings/${meeting.id}`, { token: t.token('admin') })).status).toBe(404);
  });

  it('records an act, programmes commitments under it at once, never beyond what it granted', async () => {
    const created = await t.request('POST', '/acts', { token: editor, body: arrete() });
    expect(created.status).toBe(201);
    const act = created.body;
    expect(act).toMatchObject({
      kind: 'arrete-prefectoral',
      actKindLabel: 'Arrêté préfectoral',
      issuer: 'etat',
      issuerName: expect.stringContaining('État'),
      programmings: [],
    });
    expect(created.headers.get('location')).toBe(`/acts/${act.id}`);
    const commitments = [];
    for (let i = 0; i < 5; i++) commitments.push(await announced());
    const answers = await Promise.all(
      commitments.map((id) =>
        t.request('POST', `${d}/commitments/${id}/programme`, { token: editor, body: { amountCents: 30_000_00, date: '2023-03-10', act: { actId: act.id } } }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 422, 422]);
    expect(answers.filter((a) => a.status === 422).map((a) => [a.body.rule, a.body.remainingCents, a.body.field])).toEqual([
      ['programme-exceeds-act', 10_000_00, 'amountCents'],
      ['programme-exceeds-act', 10_000_00, 'amountCents'],
    ]);
    const accepted = answers.find((a) => a.status === 200)?.body;
    expect(accepted).toMatchObject({ status: 'programmed', ledgers: { programmed: 30_000_00 } });
    const counted = (await f.ok('GET', `/acts/${act.id}`, undefined)).programmings as { amountCents: number }[];
    expect(counted.reduce((s, p) => s + p.amountCents, 0)).toBe(90_000_00);
    let programmed = 0;
    for (const id of commitments) {
      const events = await t.store.readStream(`commitment-${id}`);
      for (const e of events.filter((x) => x.type === 'ledger.CommitmentProgrammed')) {
        expect(e.data).toMatchObject({ act: { actId: act.id, kind: 'arrete-prefectoral', issuer: 'etat', reference: '2023-DRAC-17', date: '2023-03-03' } });
        expect(e.data).not.toHaveProperty('decision');
        programmed += (e.data as { amountCents: number }).amountCents;
      }
    }
    expect(programmed).toBe(90_000_00);
  });

  it('refuses an unknown act, an issuer the referentials lack, an act for another line; lists acts by issuer, kind and date', async () => {
    const id = await announced();
    const unknown = await t.request('POST', `${d}/commitments/${id}/programme`, {
      token: editor,
      body: { amountCents: 1, date: '2023-03-10', act: { actId: 'nope' } },
    });
    expect([unknown.status, unknown.body.rule, unknown.body.field]).toEqual([422, 'unknown-act', 'act.actId']);
    const stranger = await t.request('POST', '/acts', { token: editor, body: arrete({ issuer: 'nobody' }) });
    expect([stranger.status, stranger.body.rule, stranger.body.field]).toEqual([422, 'unknown-issuer', 'issuer']);
    const region = await f.ok('POST', '/acts', {
      ...arrete({ kind: 'deliberation-commission-permanente', issuer: 'region_hdf', reference: 'CP-2023-0412', date: '2023-04-03' }),
      amounts: [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 5_000_00 }],
    });
    const other = await t.request('POST', `${d}/commitments/${id}/programme`, {
      token: editor,
      body: { amountCents: 1, date: '2023-04-10', act: { actId: region.id } },
    });
    expect([other.status, other.body.rule, other.body.field]).toEqual([422, 'act-not-for-funding-line', 'act']);
    const jury = await f.ok(
      'POST',
      '/acts',
      arrete({ kind: 'selection-jury', issuer: 'jury-ami-micro-folies-2023', reference: 'AMI-MF-2023', date: '2023-05-02' }),
    );
    expect(jury).toMatchObject({ actKindLabel: "Sélection par le jury d'un appel", issuerName: expect.stringContaining('Micro-Folies') });
    await catchUp();
    const ids = async (query: string) => ((await f.ok('GET', `/acts?${query}`, undefined)).rows as { id: string }[]).map((r) => r.id);
    expect(await ids('issuer=region_hdf')).toEqual([region.id]);
    expect(await ids('kind=selection-jury')).toEqual([jury.id]);
    expect(await ids('from=2023-04-01&to=2023-04-30')).toEqual([region.id]);
    expect((await t.request('GET', '/acts?kind=decret', { token: sgar })).status).toBe(400);
  });

  it('shows the act in the lineage of a commitment it programmed: kind, issuer, reference, date, document; no meeting', async () => {
    const act = await f.ok('POST', '/acts', arrete({ reference: '2023-DRAC-18' }));
    const id = await announced();
    await f.ok('POST', `${d}/commitments/${id}/programme`, { amountCents: 40_000_00, date: '2023-03-10', act: { actId: act.id } });
    // Committing beyond what was programmed cites the act that grants it.
    await f.ok('POST', `${d}/commitments/${id}/commit`, {
      amountCents: 50_000_00,
      date: '2023-03-20',
      legalAct: { kind: 'ej', reference: '2103456790', date: '2023-03-20' },
      act: { actId: act.id },
    });
    const res = await t.request('GET', `/audit/lineage/commitment/${id}`, { token: auditor });
    expect(res.status).toBe(200);
    expect(res.body.decisions).toEqual([]);
    expect(res.body.acts).toEqual([
      expect.objectContaining({
        actId: act.id,
        kind: 'arrete-prefectoral',
        actKindLabel: 'Arrêté préfectoral',
        issuer: 'etat',
        issuerName: expect.stringContaining('État'),
        reference: '2023-DRAC-18',
        date: '2023-03-03',
        document: 'https://www.prefectures-regions.gouv.fr/hauts-de-france/raa/2023-17.pdf',
        usedBy: [1, 2],
      }),
    ]);
    const labels = (res.body.history as { label: string }[]).map((h) => h.label);
    expect(labels.slice(0, 3)).toEqual([
      'Engagement annoncé',
      'Engagement programmé par un acte : Arrêté préfectoral n° 2023-DRAC-18',
      'Engagement juridique (acte signé), accordé par Arrêté préfectoral n° 2023-DRAC-18',
    ]);
    const history = await t.request('GET', `/audit/history/act/${act.id}`, { token: auditor });
    expect([history.status, history.body.actId]).toEqual([200, act.id]);
    expect((history.body.history as { label: string }[]).map((h) => h.label)).toEqual([
      'Acte (arrêté, délibération, convention, notification, sélection d’un jury)',
      'Engagement programmé au titre de l’acte',
    ]);
    const payment = await t.request('GET', `/audit/lineage/commitment/${id}?format=csv`, { token: auditor });
    expect(payment.status).toBe(200);
    expect(payment.body).toContain('Arrêté préfectoral n° 2023-DRAC-18 du 2023-03-03');
  });

  it('completes after a crash a programming the act counted, and gives the act back what a correction lowers', async () => {
    const act = await f.ok('POST', '/acts', arrete({ reference: '2023-DRAC-19' }));
    const id = await announced();
    const ctx: CommandContext = { principal: { userId: 'alice', role: 'editor', organisation: 'SGAR' }, correlationId: 'crash-act' };
    // The request stops right after the act's append: what the process finds on its restart.
    const recorded = await t.app.get(DecisionProgrammings).record(ctx, {
      actId: act.id,
      commitmentId: id,
      domain: domain.name,
      financer: 'etat',
      fundingLine: 'etat-p135',
      amountCents: 70_000_00,
      date: '2023-03-10',
    });
    expect(recorded.type).toBe('governance.ActProgrammingRecorded');
    await logSettled(t.database.db);
    await t.app.get(FinancingLinks).completePending();
    const [programmed] = (await t.store.readStream(`commitment-${id}`)).filter((e) => e.type === 'ledger.CommitmentProgrammed');
    expect(programmed).toMatchObject({
      id: uuidFrom(`ledger.CommitmentProgrammed\u0000${recorded.id}`),
      data: { amountCents: 70_000_00, act: { actId: act.id, reference: '2023-DRAC-19' } },
      envelope: { actor: { userId: 'alice' }, correlationId: 'crash-act' },
    });
    await f.ok('POST', `${d}/commitments/${id}/correct`, {
      revision: programmed.revision,
      amountCents: 50_000_00,
      date: '2023-04-01',
      reason: 'erreur de saisie',
    });
    const counted = (await f.ok('GET', `/acts/${act.id}`, undefined)).programmings as { commitmentId: string; amountCents: number }[];
    expect(counted).toEqual([expect.objectContaining({ commitmentId: id, amountCents: 50_000_00 })]);
  });
});
