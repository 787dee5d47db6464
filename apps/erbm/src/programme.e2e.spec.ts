import { CLOCK, ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import type { Clock } from '@erbm/shared/kernel';
import { ProgrammeSeeder } from '@erbm/ledger/api';
import { DOMAINS, everyDomain } from '@erbm/domains';

const SIGNATORIES = [
  'etat',
  'region_hdf',
  'cd59',
  'cd62',
  'ca_bbalr',
  'ca_lens_lievin',
  'ca_henin_carvin',
  'cc_osartis_marquion',
  'ca_douaisis',
  'cc_coeur_ostrevent',
  'ca_porte_hainaut',
  'ca_valenciennes',
];

/** The programme itself: its framework agreements, commitments of action, and figures others published about it. */
describe('the programme: agreements, commitments of action, published figures', () => {
  let t: TestApp;
  let clock: Clock;
  const domain = DOMAINS[0];
  const catchUp = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };
  /** Today, as the process's one clock says, for the test that needs it. */
  const today = (day: string) => jest.spyOn(clock, 'now').mockReturnValue(new Date(`${day}T10:00:00Z`));

  beforeAll(async () => {
    // Reference data is seeded whatever the demo setting: the demo is off to keep the log to what the test writes.
    process.env.ERBM_DEMO_SEED = 'false';
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true, demo: true }));
    clock = t.app.get(CLOCK);
    await catchUp();
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    delete process.env.ERBM_DEMO_SEED;
    await t?.close();
  });

  describe('the framework agreement', () => {
    it('the 2017 contract is there on the first start, signed on 7 March 2017 by the 12 parties, recorded once', async () => {
      const res = await t.request('GET', '/programme/agreements/erbm-2017', { token: t.token('auditor') });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'erbm-2017', signedOn: '2017-03-07', periodFrom: '2017-03-07', version: 1, agreementAmendments: [] });
      expect(res.body.signatories.map((s: { party: string; joinedOn: string }) => [s.party, s.joinedOn]).sort()).toEqual(
        SIGNATORIES.map((p) => [p, '2017-03-07']).sort(),
      );
      expect(res.body.recordedBy.organisation).not.toMatch(/DÉMO/);
      // Another start finds it there and records nothing more.
      expect(await t.app.get(ProgrammeSeeder).seedReferenceData()).toBeUndefined();
      expect((await t.store.readStream('agreement-erbm-2017')).length).toBe(1 + SIGNATORIES.length);
      const history = await t.request('GET', '/audit/history/agreement/erbm-2017', { token: t.token('auditor') });
      expect(history.status).toBe(200);
      expect(history.body.history[0]).toMatchObject({ label: 'Accord-cadre signé', sourceDocument: expect.stringContaining('7 mars 2017') });
    });

    it('an amendment makes version 2 from the day it takes effect, with who joins and who leaves; only an admin records it', async () => {
      const body = {
        reference: 'Avenant n° 1',
        signedOn: '2018-12-10',
        effectiveFrom: '2019-01-01',
        subject: 'Entrée de la Banque des Territoires',
        joining: [{ party: 'banque_des_territoires' }],
      };
      expect((await t.request('POST', '/programme/agreements/erbm-2017/amendments', { token: t.token('sgar'), body })).status).toBe(403);
      expect((await t.request('POST', '/programme/agreements/erbm-2017/amendments', { token: t.token('editor', domain.name), body })).status).toBe(403);
      const amended = await t.request('POST', '/programme/agreements/erbm-2017/amendments', { body });
      expect(amended.status).toBe(201);
      expect(amended.body.agreementAmendments).toEqual([expect.objectContaining({ reference: 'Avenant n° 1', version: 2, effectiveFrom: '2019-01-01' })]);
      expect(amended.body.signatories).toContainEqual({ party: 'banque_des_territoires', joinedOn: '2019-01-01' });
      const again = await t.request('POST', '/programme/agreements/erbm-2017/amendments', { body });
      expect([again.status, again.body.rule, again.body.field]).toEqual([422, 'amendment-exists', 'reference']);
      const unknown = await t.request('POST', '/programme/agreements/erbm-2017/amendments', {
        body: { ...body, reference: 'Avenant n° 9', joining: [{ party: 'nobody' }] },
      });
      expect([unknown.status, unknown.body.rule, unknown.body.field]).toEqual([422, 'unknown-party', 'joining[0].party']);
      expect((await t.request('POST', '/programme/agreements/none/amendments', { body: { ...body, reference: 'x' } })).status).toBe(404);
    });

    it('a commitment belongs to the version of the contract in force when it was announced', async () => {
      const editor = t.token('editor', domain.name);
      const registered = await t.request('POST', `/${domain.name}/operations`, {
        token: editor,
        body: domain.samples.operationRequest({ name: 'Opération du contrat', communeInsee: '59178', date: '2018-03-01' }),
      });
      const operationId = (registered.headers.get('location') as string).split('/').pop() as string;
      const announce = (date: string) =>
        t.request('POST', `/${domain.name}/operations/${operationId}/commitments`, {
          token: editor,
          body: { financer: 'etat', fundingLine: 'etat-p135', amountCents: 1_000_00, date },
        });
      const in2018 = (await announce('2018-05-15')).body.id;
      const in2019 = (await announce('2019-06-01')).body.id;
      await catchUp();
      const view = (id: string) => t.request('GET', `/${domain.name}/commitments/${id}`, { token: editor });
      expect((await view(in2018)).body.agreement).toEqual({ id: 'erbm-2017', version: 1 });
      expect((await view(in2019)).body.agreement).toEqual({ id: 'erbm-2017', version: 2 });
    });

    it('a successor with a wider scope and a longer period takes over from the day it says; every role reads the list', async () => {
      const body = {
        agreementId: 'erbm-2026',
        title: 'Engagement pour le renouveau du bassin minier — contrat renouvelé',
        signedOn: '2026-01-15',
        periodFrom: '2026-01-15',
        periodTo: '2037-12-31',
        scope: 'Le bassin minier et les communes voisines : toutes les politiques publiques civiles',
        signatories: SIGNATORIES.map((party) => ({ party })),
        succeeds: 'erbm-2017',
        inForceFrom: '2026-03-01',
      };
      const missing = await t.request('POST', '/programme/agreements', { body: { ...body, agreementId: 'erbm-x', succeeds: 'none' } });
      expect([missing.status, missing.body.rule, missing.body.field]).toEqual([422, 'unknown-agreement', 'succeeds']);
      const bad = await t.request('POST', '/programme/agreements', { body: { title: '', signedOn: '31/02/2026', signatories: 'etat' } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
        expect.arrayContaining(['title', 'signedOn', 'periodFrom', 'periodTo', 'scope', 'signatories']),
      );
      const signed = await t.request('POST', '/programme/agreements', { body });
      expect([signed.status, signed.headers.get('location')]).toEqual([201, '/programme/agreements/erbm-2026']);
      await catchUp();
      const list = await t.request('GET', '/programme/agreements', { token: t.token('editor', domain.name) });
      expect(list.status).toBe(200);
      expect(list.body.agreements.map((a: { id: string; succeededBy: string[] }) => [a.id, a.succeededBy])).toEqual([
        ['erbm-2017', ['erbm-2026']],
        ['erbm-2026', []],
      ]);
      expect((await t.request('GET', '/programme/agreements', { token: null })).status).toBe(401);
    });
  });

  describe('commitments of action', () => {
    let id: string;
    const base = `/${domain.name}/action-commitments`;
    const promise = {
      party: 'ca_lens_lievin',
      what: 'Ouvrir une maison France services à Liévin',
      promisedOn: '2024-01-10',
      dueDate: '2024-06-30',
    };

    it('is promised by a party in a domain, and is late only once its due date has passed, by the clock of the process', async () => {
      today('2024-06-30');
      const editor = t.token('editor', domain.name);
      const bad = await t.request('POST', base, { token: editor, body: { what: 'x' } });
      expect([bad.status, bad.body.errors.map((e: { field: string }) => e.field).sort()]).toEqual([400, ['dueDate', 'party', 'promisedOn']]);
      const unknown = await t.request('POST', base, { token: editor, body: { ...promise, party: 'nobody' } });
      expect([unknown.status, unknown.body.rule, unknown.body.field]).toEqual([422, 'unknown-party', 'party']);
      const created = await t.request('POST', base, { token: editor, body: promise });
      expect(created.status).toBe(201);
      id = created.body.id;
      expect(created.body).toMatchObject({ status: 'promised', late: false, party: 'ca_lens_lievin', domain: domain.name });
      await catchUp();
      const sgar = t.token('sgar');
      expect((await t.request('GET', '/sgar/action-commitments?late=true', { token: sgar })).body.actionCommitments).toEqual([]);
      today('2024-07-01');
      expect((await t.request('GET', `${base}/${id}`, { token: editor })).body.late).toBe(true);
      const late = await t.request('GET', '/sgar/action-commitments?late=true&party=ca_lens_lievin', { token: sgar });
      expect(late.body.actionCommitments).toEqual([expect.objectContaining({ id, late: true, status: 'promised' })]);
      expect((await t.request('GET', '/sgar/action-commitments?party=cd59', { token: sgar })).body.actionCommitments).toEqual([]);
      expect((await t.request('GET', '/sgar/action-commitments?status=maybe', { token: sgar })).status).toBe(400);
    });

    it('progresses, is done with its evidence (no longer late), and then changes no more', async () => {
      today('2024-07-05');
      const editor = t.token('editor', domain.name);
      const progressed = await t.request('POST', `${base}/${id}/progress`, { token: editor, body: { date: '2024-07-02', note: 'Locaux trouvés' } });
      expect([progressed.status, progressed.body.status]).toEqual([201, 'in-progress']);
      const noEvidence = await t.request('POST', `${base}/${id}/complete`, { token: editor, body: { date: '2024-07-04' } });
      expect([noEvidence.status, noEvidence.body.errors[0].field]).toEqual([400, 'evidence']);
      const done = await t.request('POST', `${base}/${id}/complete`, {
        token: editor,
        body: { date: '2024-07-04', evidence: { kind: 'convention', reference: 'Convention France services 2024-17' } },
      });
      expect(done.body).toMatchObject({ status: 'done', late: false, doneOn: '2024-07-04', evidence: { reference: 'Convention France services 2024-17' } });
      const abandon = await t.request('POST', `${base}/${id}/abandon`, { token: editor, body: { date: '2024-07-05', reason: 'x' } });
      expect([abandon.status, abandon.body.rule]).toEqual([422, 'action-commitment-closed']);
      await catchUp();
      const listed = await t.request('GET', '/sgar/action-commitments?status=done', { token: t.token('sgar') });
      expect(listed.body.actionCommitments).toEqual([expect.objectContaining({ id, doneOn: '2024-07-04' })]);
      const history = await t.request('GET', `/audit/history/action-commitment/${id}`, { token: t.token('auditor') });
      expect(history.body.history.map((h: { label: string }) => h.label)).toEqual([
        'Engagement d’action pris',
        'Engagement d’action en cours (avancement)',
        'Engagement d’action réalisé (preuve)',
      ]);
    });

    it('an abandoned one says why; another domain’s editor cannot write it, and it is not found under another domain', async () => {
      today('2024-07-05');
      const editor = t.token('editor', domain.name);
      const created = await t.request('POST', base, { token: editor, body: { ...promise, what: 'Livrer une étude de mobilité' } });
      const abandoned = await t.request('POST', `${base}/${created.body.id}/abandon`, {
        token: editor,
        body: { date: '2024-03-01', reason: 'Étude reprise par la Région' },
      });
      expect(abandoned.body).toMatchObject({ status: 'abandoned', abandonedOn: '2024-03-01', reason: 'Étude reprise par la Région', late: false });
      const stranger = t.token('editor', 'another-domain');
      const write = await t.request('POST', `${base}/${created.body.id}/progress`, { token: stranger, body: { date: '2024-03-02', note: 'n' } });
      expect(write.status).toBe(403);
      expect((await t.request('GET', `/another-domain/action-commitments/${created.body.id}`)).status).toBe(404);
      expect((await t.request('GET', `/nowhere/action-commitments/${created.body.id}`)).status).toBe(404);
    });
  });

  describe('published figures', () => {
    const cost = (amount: string, scope: string, title: string) => ({
      subject: 'coût du programme',
      amount,
      scope,
      asOf: '2017-03-07',
      publisher: 'Test publisher',
      source: { title },
    });

    it('three figures of the programme’s cost come back as three rows with their scopes, never merged', async () => {
      const admin = t.token('admin');
      for (const body of [
        cost('3 000 000 000', 'Tous financeurs, toutes politiques, 2017–2027', 'Source A'),
        cost('2 000 000 000', 'Crédits de droit commun mobilisés', 'Source B'),
        cost('300 000 000', 'Crédits spécifiques au programme', 'Source C'),
      ])
        expect((await t.request('POST', '/programme/published-figures', { token: admin, body })).status).toBe(201);
      await t.request('POST', '/programme/published-figures', {
        body: {
          subject: 'logements réhabilités',
          quantity: 7000,
          unit: 'logements',
          scope: 'fin 2022',
          asOf: '2022-12-31',
          publisher: 'P',
          source: { title: 'S' },
        },
      });
      const res = await t.request('GET', `/programme/published-figures?subject=${encodeURIComponent('coût du programme')}`, { token: t.token('auditor') });
      expect(
        res.body.figures.map((f: { amountCents: number; unit: string; scope: string; source: { title: string } }) => [
          f.amountCents,
          f.unit,
          f.scope,
          f.source.title,
        ]),
      ).toEqual([
        [300_000_000_000, 'euros', 'Tous financeurs, toutes politiques, 2017–2027', 'Source A'],
        [200_000_000_000, 'euros', 'Crédits de droit commun mobilisés', 'Source B'],
        [30_000_000_000, 'euros', 'Crédits spécifiques au programme', 'Source C'],
      ]);
      const all = await t.request('GET', '/programme/published-figures', { token: t.token('editor', domain.name) });
      expect(all.body.figures).toHaveLength(4);
    });

    it('a figure is a sum or a quantity with its unit, and only an admin records one', async () => {
      const both = await t.request('POST', '/programme/published-figures', { body: { ...cost('1', 's', 't'), quantity: 3, unit: 'logements' } });
      expect([both.status, both.body.errors.map((e: { field: string }) => e.field)]).toEqual([400, ['quantity']]);
      const { amount: _a, ...neither } = cost('1', 's', 't');
      expect((await t.request('POST', '/programme/published-figures', { body: neither })).body.errors.map((e: { field: string }) => e.field)).toEqual([
        'quantity',
      ]);
      today('2024-07-05');
      const future = await t.request('POST', '/programme/published-figures', { body: { ...cost('1', 's', 't'), asOf: '2024-08-01' } });
      expect([future.status, future.body.rule, future.body.field]).toEqual([422, 'date-after-today', 'asOf']);
      expect((await t.request('POST', '/programme/published-figures', { token: t.token('sgar'), body: cost('1', 's', 't') })).status).toBe(403);
    });
  });
});
