import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIELD_NAMES, type FieldName, REFERENTIAL_LISTS, RETIRED_FIELD_NAMES, ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';
import { TestImportsModule, upload, withTestImportSource } from './testing/test-imports';

/** GET routes that are not views of the programme: the process's own health and metrics, and this document. */
const NOT_VIEWS = new Set(['/health', '/health/live', '/health/ready', '/health/projections', '/metrics']);

/** The one list: the shared names and each domain's own, as the views may use them. */
const VOCABULARY: ReadonlyMap<string, FieldName> = new Map([...Object.entries(FIELD_NAMES), ...DOMAINS.flatMap((d) => Object.entries(d.fieldNames))]);

/** Every key of a JSON answer, with where it was met; what `data` holds is an event as stored, in its own versioned schema. */
function keysOf(value: unknown, where: string, found: Map<string, string>): void {
  if (Array.isArray(value)) for (const item of value) keysOf(item, `${where}[]`, found);
  else if (value !== null && typeof value === 'object')
    for (const [key, inner] of Object.entries(value)) {
      if (!found.has(key)) found.set(key, `${where}.${key}`);
      if (key !== 'data') keysOf(inner, `${where}.${key}`, found);
    }
}

describe('one name per concept: every view and every export names its fields from one list', () => {
  let t: TestApp;
  let auditor: string;
  /** Ids to put in each route's path, per domain; every GET route of the OpenAPI document is either walked or not a view. */
  const ids: Record<
    string,
    { operationId: string; commitmentId: string; meetingId: string; decisionId: string; actId: string; paymentRevision: number; actionCommitmentId: string }
  > = {};
  let envelopeId: string;
  let beneficiaryId: string;
  let importId: string;

  beforeAll(async () => {
    // The registry, and a made-up import source of the first domain: an import to show in the imports' views.
    t = await startTestApp((database) => [
      TestImportsModule,
      ...everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true, demo: true, domains: withTestImportSource(DOMAINS) }),
    ]);
    const imported = await upload(t.baseUrl, `/${DOMAINS[0].name}/imports/test-items`, t.token('admin'), {
      name: 'noms.csv',
      content: 'clé;valeur\nnoms;1\nvide;\n',
    });
    expect(imported.status).toBe(201);
    importId = imported.body.importId;
    auditor = t.token('auditor');
    const beneficiary = await t.request('POST', '/beneficiaries', {
      token: t.token('admin'),
      body: { legalName: 'CENTRE SOCIAL IMAGINE', kind: 'association' },
    });
    beneficiaryId = beneficiary.body.id;
    await t.request('POST', `/beneficiaries/${beneficiaryId}/resolve`, { token: t.token('admin'), body: { rna: 'W595012345', reason: 'récépissé' } });
    for (const domain of DOMAINS) {
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
        amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }],
      });
      await ok(`/meetings/${meeting.id}/minutes`, { minutesReference: 'RD-2023-01' });
      const registered = await ok('/operations', domain.samples.operationRequest({ name: 'Opération des noms', communeInsee: '59178', date: '2022-10-01' }));
      const operationId = (registered.headers.get('location') as string).split('/').pop() as string;
      const commitment = (
        await ok(`/operations/${operationId}/commitments`, {
          financer: 'etat',
          fundingLine: 'etat-p135',
          amountCents: 100_000_00,
          date: '2022-11-01',
          beneficiaryId,
        })
      ).body;
      const decision = { meetingId: meeting.id, decisionId: 'D1' };
      const act = await t.request('POST', '/acts', {
        token: editor,
        body: {
          kind: 'arrete-prefectoral',
          issuer: 'etat',
          reference: 'AP-2023-1',
          date: '2023-01-20',
          document: 'AP-2023-1.pdf',
          subject: 'Subvention',
          amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }],
        },
      });
      expect(act.status).toBe(201);
      const step = (name: string, body: unknown) => ok(`/commitments/${commitment.id}/${name}`, body);
      await step('programme', { amountCents: 100_000_00, date: '2023-01-16', decision });
      // The act that grants the commitment shows in its lineage.
      await step('commit', {
        amountCents: 100_000_00,
        date: '2023-02-01',
        legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' },
        act: { actId: act.body.id },
      });
      await step('certify', { amountCents: 40_000_00, reference: 'SF-1', date: '2023-03-01' });
      await step('order', { amountCents: 40_000_00, reference: 'DP-1', date: '2023-03-01' });
      // An advance above 30 % raises a warning; then a correction, a release and the end of the commitment.
      const paid = await step('pay', { amountCents: 40_000_00, kind: 'advance', reference: 'DP-1', date: '2023-03-02' });
      const paymentRevision = (paid.body.facts as { type: string; revision: number }[]).find((f) => f.type === 'ledger.PaymentMade')?.revision as number;
      await step('correct', { revision: paymentRevision, amountCents: 35_000_00, date: '2023-03-05', reason: 'erreur de saisie' });
      await step('release', { amountCents: 10_000_00, date: '2023-06-01', reason: 'économies' });
      await step('lapse', { date: '2023-12-31', reason: 'caducité' });
      const action = (await ok('/action-commitments', { party: 'cd59', what: 'Ouvrir un service', promisedOn: '2023-01-16', dueDate: '2023-06-30' })).body;
      await ok(`/action-commitments/${action.id}/progress`, { date: '2023-02-01', note: 'En cours' });
      await ok(`/action-commitments/${action.id}/complete`, { date: '2023-05-01', evidence: { kind: 'convention', reference: 'C-1' } });
      ids[domain.name] = {
        operationId,
        commitmentId: commitment.id,
        meetingId: meeting.id,
        decisionId: 'D1',
        paymentRevision,
        actionCommitmentId: action.id,
        actId: act.body.id,
      };
    }
    // The programme's own facts: an amendment (and a party leaving) of the 2017 contract, a published figure.
    const admin = t.token('admin');
    const amendment = {
      reference: 'Avenant 1',
      signedOn: '2019-01-01',
      effectiveFrom: '2019-01-01',
      subject: 'Avenant',
      leaving: [{ party: 'cd59', reason: 'r' }],
    };
    expect((await t.request('POST', '/programme/agreements/erbm-2017/amendments', { token: admin, body: amendment })).status).toBe(201);
    const figure = {
      subject: 'coût',
      amount: '1,00',
      scope: 's',
      asOf: '2020-01-01',
      publishedOn: '2020-01-02',
      publisher: 'p',
      source: { title: 't', url: 'u' },
    };
    expect((await t.request('POST', '/programme/published-figures', { token: admin, body: figure })).status).toBe(201);
    const envelope = await t.request('POST', '/envelopes', {
      token: t.token('admin'),
      body: {
        fundingLine: 'etat-p135',
        kind: 'fund',
        fromYear: 2017,
        toYear: 2027,
        amountCents: 50_000_00,
        label: 'Fonds des noms',
        act: { kind: 'convention', reference: 'ERBM', date: '2017-03-07', document: 'erbm.pdf' },
      },
    });
    envelopeId = envelope.body.id;
    await t.request('POST', `/envelopes/${envelopeId}/amendments`, {
      token: t.token('admin'),
      body: { direction: 'increase', amountCents: 1_00, reason: 'abondement', act: { kind: 'notification', reference: 'N-1', date: '2023-01-05' } },
    });
    expect((await t.request('POST', '/audit/seals', { token: t.token('admin') })).status).toBe(201);
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  });
  afterAll(() => t?.close());

  /** The paths to walk for one route of the OpenAPI document: a domain's own route for it, any other for every domain's ids. */
  function pathsOf(route: string): string[] {
    const owner = DOMAINS.find((d) => route.startsWith(`/${d.name}/`));
    return (owner ? [owner] : DOMAINS).map((domain) => {
      const own = ids[domain.name];
      return route.replace(/\{(\w+)\}/g, (_, param: string, at: number) => {
        const before = route.slice(0, at);
        if (param === 'domain') return domain.name;
        if (param === 'list') return '{list}';
        if (param === 'insee') return '62498';
        if (param === 'importId') return importId;
        if (param === 'meetingId') return own.meetingId;
        if (param === 'decisionId') return own.decisionId;
        if (param === 'commitmentId') return own.commitmentId;
        if (param === 'revision') return String(own.paymentRevision);
        if (param === 'id' && /agreements?\/$/.test(before)) return 'erbm-2017';
        if (param === 'id' && /action-commitments?\/$/.test(before)) return own.actionCommitmentId;
        if (param === 'id' && /commitments?\/$/.test(before)) return own.commitmentId;
        if (param === 'id' && /operations?\/(\{domain\}\/)?$/.test(before)) return own.operationId;
        if (param === 'id' && /meetings?\/$/.test(before)) return own.meetingId;
        if (param === 'id' && /acts?\/$/.test(before)) return own.actId;
        if (param === 'id' && /envelopes\/$/.test(before)) return envelopeId;
        if (param === 'id' && /beneficiaries\/$/.test(before)) return beneficiaryId;
        throw new Error(`no value for {${param}} in ${route}: say here which id it takes`);
      });
    });
  }

  /** Every view with what each of its query parameters can change in its shape. */
  async function viewPaths(): Promise<string[]> {
    const document = (await t.request('GET', '/docs-json', { token: null })).body as { paths: Record<string, { get?: unknown }> };
    const routes = Object.entries(document.paths)
      .filter(([, operations]) => operations.get)
      .map(([route]) => route)
      .filter((route) => !NOT_VIEWS.has(route));
    expect(routes.length).toBeGreaterThan(20);
    const lists = REFERENTIAL_LISTS;
    const paths = routes.flatMap(pathsOf).flatMap((p) => (p.includes('{list}') ? lists.map((l) => p.replace('{list}', l)) : [p]));
    const anyDomain = DOMAINS[0].name;
    const { commitmentId } = ids[anyDomain];
    return [
      ...new Set([
        ...paths,
        ...DOMAINS.map((d) => `/${d.name}/commitments/${ids[d.name].commitmentId}?asKnownAt=${new Date().toISOString()}`),
        `/sgar/totals?groupBy=${['financer', 'domain', 'fundingLine', 'arrondissement', 'fiscalYear'].join(',')}`,
        `/sgar/totals?groupBy=domain&asKnownAt=${new Date().toISOString()}`,
        '/sgar/totals?groupBy=beneficiary',
        '/beneficiaries?q=centre&status=resolved&siret=13000155500031&siren=130001555&rna=W595012345',
        '/sgar/progress?by=arrondissement',
        `/audit/state/commitment/${commitmentId}?asOf=2023-03-03`,
        '/audit/verify?replay=true',
      ]),
    ];
  }

  it('the list has one name per meaning, one French label per name, and none of the names it retired', () => {
    const meanings = [...VOCABULARY.values()].map((n) => n.meaning);
    const labels = [...VOCABULARY.values()].map((n) => n.label);
    expect(meanings.filter((m, i) => meanings.indexOf(m) !== i)).toEqual([]);
    expect(labels.filter((l, i) => labels.indexOf(l) !== i)).toEqual([]);
    // A domain names only what the shared list does not.
    for (const domain of DOMAINS) expect(Object.keys(domain.fieldNames).filter((n) => n in FIELD_NAMES)).toEqual([]);
    expect(Object.keys(RETIRED_FIELD_NAMES).filter((n) => VOCABULARY.has(n))).toEqual([]);
    expect(Object.values(RETIRED_FIELD_NAMES).filter((n) => !VOCABULARY.has(n))).toEqual([]);
    // The glossary's conventions give names of the list, and no retired one.
    const glossary = readFileSync(join(__dirname, '../../../docs/glossary.md'), 'utf-8');
    const section = glossary.slice(glossary.indexOf('## Field names of the views and exports'));
    const examples = [...section.matchAll(/^\|[^|]*\|([^|]*)\|$/gm)].flatMap((row) => [...row[1].matchAll(/`(\w+)(?:\.\w+)?`/g)].map((m) => m[1]));
    expect(examples.length).toBeGreaterThan(10);
    expect(examples.filter((n) => !VOCABULARY.has(n))).toEqual([]);
  });

  it('every view answers with field names from the list only', async () => {
    const found = new Map<string, string>();
    const paths = await viewPaths();
    for (const path of paths) {
      const res = await t.request('GET', path, { token: auditor });
      expect([path, res.status]).toEqual([path, 200]);
      keysOf(res.body, path, found);
    }
    const outside = [...found].filter(([key]) => !VOCABULARY.has(key));
    expect(outside).toEqual([]);
    expect([...found].filter(([key]) => key in RETIRED_FIELD_NAMES)).toEqual([]);
    // The walk saw the shapes that matter: warnings, corrections, seals, a closed commitment, a replay.
    for (const key of [
      'rule',
      'raisedByRevision',
      'corrected',
      'sealNumber',
      'endedOn',
      'replay',
      'resteAPayer',
      'netCommitted',
      'commitmentCount',
      'resteAEngager',
      'changeCents',
    ])
      expect([key, found.has(key)]).toEqual([key, true]);
  });

  it('every export heads its columns and its header lines with the French labels of the list, the same label for the same name', async () => {
    const labelled = new Map([...VOCABULARY].flatMap(([name, n]) => [[n.label, name] as const, [`${n.label} (€)`, name] as const]));
    const document = (await t.request('GET', '/docs-json', { token: null })).body as {
      paths: Record<string, { get?: { parameters?: { name: string; schema?: { enum?: string[] } }[] } }>;
    };
    const exported = Object.entries(document.paths)
      .filter(([, o]) => o.get?.parameters?.some((p) => p.name === 'format' && p.schema?.enum?.includes('csv')))
      .map(([route]) => route);
    expect(exported.length).toBeGreaterThanOrEqual(8);
    const headers: string[] = [];
    for (const path of new Set(exported.flatMap(pathsOf))) {
      const res = await t.request('GET', `${path}${path.includes('?') ? '&' : '?'}format=csv`, { token: auditor });
      expect([path, res.status]).toEqual([path, 200]);
      const lines = String(res.body)
        .replace(/^\ufeff/, '')
        .split('\r\n');
      const meta = lines.filter((l) => l.startsWith('# ')).map((l) => l.slice(2, l.indexOf(':')));
      const columns = lines.find((l) => !l.startsWith('# '))?.split(';') ?? [];
      expect(meta).toEqual(['export', 'connu au', 'position dans le journal', 'dernier sceau', 'exporté le']);
      headers.push(...meta, ...columns);
    }
    expect(headers.filter((h) => !labelled.has(h))).toEqual([]);
  });
});
