import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';

/**
 * Who may read what, route by route: every GET route of the app's OpenAPI document is read with a partner's token (party
 * X) and a sous-préfecture's (arrondissement A), over data of X and of another party Y, in A and in another
 * arrondissement. Nothing of the others may come back, and their ids answer 404 exactly as unknown ids do.
 *
 * The list below classifies every route. A new GET route fails "every route is classified" until it is added here with
 * what it does for each role: so a route cannot be added without saying who may read it.
 */
type Behaviour =
  /** Answers with what the reader's scope admits only; ids outside the scope are not found. */
  | 'scoped'
  /** A view of the whole programme the scope cannot narrow: 403. */
  | 'forbidden'
  /** Reference data or the process's health, the same for every reader, naming no commitment. */
  | 'reference';
interface Classification {
  partner: Behaviour;
  sousPrefecture: Behaviour;
}
const BOTH = (b: Behaviour): Classification => ({ partner: b, sousPrefecture: b });

/** Routes as the OpenAPI document names them; a domain's own routes under `/<domain>/`. */
const ROUTES: Record<string, Classification> = {
  '/health': BOTH('reference'),
  '/health/live': BOTH('reference'),
  '/health/ready': BOTH('reference'),
  '/health/projections': BOTH('reference'),
  '/metrics': BOTH('reference'),
  '/referentials/{list}': BOTH('reference'),
  '/referentials/places/{insee}': BOTH('reference'),
  // The beneficiaries (tiers) are a shared directory; what one received is scoped like every total.
  '/beneficiaries': BOTH('reference'),
  '/beneficiaries/{id}': BOTH('reference'),
  '/sgar/beneficiaries/{id}': BOTH('scoped'),
  // An envelope is a public allocation; what its funding line committed adds up every financer's commitments.
  '/envelopes': BOTH('reference'),
  '/envelopes/{id}': BOTH('reference'),
  '/sgar/envelopes': BOTH('forbidden'),
  // The framework agreements and the figures published about the programme are public record.
  '/programme/agreements': BOTH('reference'),
  '/programme/agreements/{id}': BOTH('reference'),
  '/programme/published-figures': BOTH('reference'),
  '/audit/history/agreement/{id}': BOTH('reference'),
  // Meetings and acts as lists: bodies, dates, subjects; no programming.
  '/meetings': BOTH('reference'),
  '/acts': BOTH('reference'),
  // One meeting or act: its decisions are shared, the programmings under them scoped.
  '/meetings/{id}': BOTH('scoped'),
  '/acts/{id}': BOTH('scoped'),
  '/audit/history/act/{id}': BOTH('scoped'),
  // A commitment of action is its party's (a partner), or its operation's arrondissement's (a sous-préfecture).
  '/{domain}/action-commitments/{id}': BOTH('scoped'),
  '/sgar/action-commitments': BOTH('scoped'),
  '/audit/history/action-commitment/{id}': BOTH('scoped'),
  '/sgar/totals': BOTH('scoped'),
  '/sgar/totals/commitments': BOTH('scoped'),
  '/sgar/register/commitments/{id}': BOTH('scoped'),
  '/sgar/register/operations/{id}': BOTH('scoped'),
  '/sgar/progress': BOTH('scoped'),
  // Dwellings are counted per operation, not per financer; per arrondissement they are a sous-préfecture's.
  '/sgar/indicators': { partner: 'forbidden', sousPrefecture: 'scoped' },
  '/{domain}/commitments/{id}': BOTH('scoped'),
  // Decisions are the signatories' shared record; the programmings under them are scoped.
  '/{domain}/meetings/{id}': BOTH('scoped'),
  '/<domain>/operations': BOTH('scoped'),
  '/<domain>/operations/{id}': BOTH('scoped'),
  '/<domain>/indicators': BOTH('forbidden'),
  // A domain's own versioned referential (its dispositifs): the same for every reader, naming no commitment.
  '/<domain>/dispositifs': BOTH('reference'),
  // A domain's view of its funding line's envelopes adds up every financer's and place's commitments on the line.
  '/<domain>/envelopes': BOTH('forbidden'),
  '/audit/history/commitment/{id}': BOTH('scoped'),
  '/audit/history/operation/{domain}/{id}': BOTH('scoped'),
  '/audit/history/meeting/{id}': BOTH('scoped'),
  '/audit/history/decision/{meetingId}/{decisionId}': BOTH('scoped'),
  '/audit/lineage/commitment/{id}': BOTH('scoped'),
  '/audit/lineage/payment/{commitmentId}/{revision}': BOTH('scoped'),
  '/audit/lineage/total': BOTH('scoped'),
  '/audit/state/commitment/{id}': BOTH('scoped'),
  '/audit/warnings': BOTH('scoped'),
  // Digests of the whole log: they name nothing, and a signatory may keep them; checking them (verify) is refused.
  '/audit/seals': BOTH('reference'),
  '/audit/verify': BOTH('forbidden'),
  // Imports of files: what a domain's team loaded, row by row, across financers and places: the whole programme's.
  '/imports': BOTH('forbidden'),
  '/imports/{importId}': BOTH('forbidden'),
};

const X = 'region_hdf';
const Y = 'etat';
/** The sous-préfecture's arrondissement (Lens) and another (Douai). */
const HERE = { arrondissement: '627', commune: '62498' };
const ELSEWHERE = { arrondissement: '593', commune: '59178' };
const UNKNOWN_ID = '5b0c0000-0000-4000-8000-00000000dead';
/** Amounts found nowhere else, so that an answer carrying one of them carries the commitment they belong to. */
const Y_HERE_CENTS = 123_456_78;
const Y_ELSEWHERE_CENTS = 98_765_43;

interface Ids {
  operationHere: string;
  operationElsewhere: string;
  /** X's commitment (here), Y's here, Y's elsewhere. */
  cX: string;
  cYHere: string;
  cYElsewhere: string;
  meetingId: string;
  /** An act that programmed Y's commitments. */
  actId: string;
  /** Commitments of action: X's about the operation here, Y's about the one elsewhere. */
  actionX: string;
  actionY: string;
  /** The beneficiary of every commitment here. */
  beneficiaryId: string;
  payment: Record<string, number>;
}

const moneyMarkers = (cents: number) => [String(cents), (cents / 100).toFixed(2), (cents / 100).toFixed(2).replace('.', ',')];

/** The route of the document a concrete path answers for, with a domain's own routes written `/<domain>/…`. */
const classOf = (route: string) => ROUTES[DOMAINS.reduce((r, d) => r.replace(new RegExp(`^/${d.name}/`), '/<domain>/'), route)];

describe('who may read what: a partner and a sous-préfecture on every read route', () => {
  let t: TestApp;
  let routes: string[];
  const ids: Record<string, Ids> = {};

  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true, demo: false }));
    for (const domain of DOMAINS) {
      const editor = t.token('editor', domain.name);
      const ok = async (path: string, body: unknown) => {
        const res = await t.request('POST', `/${domain.name}${path}`, { token: editor, body });
        if (res.status >= 300) throw new Error(`${path} → ${res.status} ${JSON.stringify(res.body)}`);
        return res;
      };
      const meeting = (await ok('/meetings', { body: 'copil', date: '2023-01-16', place: 'Lille' })).body;
      // Two decisions: one grants X, the other Y; the lineage of X's commitment shows the first only.
      await ok(`/meetings/${meeting.id}/decisions`, {
        decisionId: 'DX',
        subject: 'Programmation Région',
        outcome: 'approved',
        amounts: [{ financer: X, fundingLine: 'region-erbm', amountCents: 500_000_00 }],
      });
      await ok(`/meetings/${meeting.id}/decisions`, {
        decisionId: 'DY',
        subject: 'Programmation État',
        outcome: 'approved',
        amounts: [{ financer: Y, fundingLine: 'etat-p135', amountCents: 500_000_00 }],
      });
      const operation = async (name: string, communeInsee: string) =>
        ((await ok('/operations', domain.samples.operationRequest({ name, communeInsee, date: '2022-10-01' }))).headers.get('location') as string)
          .split('/')
          .pop() as string;
      const operationHere = await operation('Cité ici', HERE.commune);
      const operationElsewhere = await operation('Cité ailleurs', ELSEWHERE.commune);
      // Y's commitments are programmed by an arrêté, not by the meeting: the act's programmings are scoped like a meeting's.
      const act = (
        await t.request('POST', '/acts', {
          token: editor,
          body: {
            kind: 'arrete-prefectoral',
            issuer: 'etat',
            reference: `ARR-${domain.name}`,
            date: '2023-01-16',
            subject: 'Subvention État',
            amounts: [{ financer: Y, fundingLine: 'etat-p135', amountCents: 500_000_00 }],
          },
        })
      ).body;
      const beneficiaryId = (
        await t.request('POST', '/beneficiaries', { token: editor, body: { legalName: `Bénéficiaire ${domain.name}`, kind: 'association' } })
      ).body.id as string;
      const payment: Record<string, number> = {};
      const commitment = async (operationId: string, financer: string, fundingLine: string, amountCents: number, decisionId: string) => {
        const { id } = (await ok(`/operations/${operationId}/commitments`, { financer, fundingLine, amountCents, date: '2022-11-01', beneficiaryId })).body;
        const step = (name: string, body: unknown) => ok(`/commitments/${id}/${name}`, body);
        await step('programme', {
          amountCents,
          date: '2023-01-16',
          ...(decisionId === 'DY' ? { act: { actId: act.id } } : { decision: { meetingId: meeting.id, decisionId } }),
        });
        await step('commit', {
          amountCents,
          date: '2023-02-01',
          legalAct: { kind: 'convention', reference: `CONV-${financer}-${amountCents}`, date: '2023-02-01' },
        });
        // An advance of half the amount, above the 30 % limit and before any service fait: warnings on every commitment.
        const paid = await step('pay', { amountCents: Math.round(amountCents / 2), kind: 'advance', reference: 'DP-1', date: '2023-03-02' });
        payment[id] = (paid.body.facts as { type: string; revision: number }[]).find((f) => f.type === 'ledger.PaymentMade')?.revision as number;
        return id as string;
      };
      const cX = await commitment(operationHere, X, 'region-erbm', 200_000_00, 'DX');
      const cYHere = await commitment(operationHere, Y, 'etat-p135', Y_HERE_CENTS, 'DY');
      const cYElsewhere = await commitment(operationElsewhere, Y, 'etat-p135', Y_ELSEWHERE_CENTS, 'DY');
      const action = async (party: string, operationId: string) =>
        (await ok('/action-commitments', { party, what: 'Ouvrir un service', promisedOn: '2023-01-16', dueDate: '2023-06-30', operationId })).body.id as string;
      const actionX = await action(X, operationHere);
      const actionY = await action(Y, operationElsewhere);
      ids[domain.name] = {
        operationHere,
        operationElsewhere,
        cX,
        cYHere,
        cYElsewhere,
        meetingId: meeting.id,
        actId: act.id,
        actionX,
        actionY,
        beneficiaryId,
        payment,
      };
    }
    expect((await t.request('POST', '/audit/seals', { token: t.token('admin') })).status).toBe(201);
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
    const document = (await t.request('GET', '/docs-json', { token: null })).body as { paths: Record<string, { get?: unknown }> };
    routes = Object.entries(document.paths)
      .filter(([, operations]) => operations.get)
      .map(([route]) => route);
  });
  afterAll(() => t?.close());

  it('every GET route is classified, and every classified route still exists', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !classOf(r))).toEqual([]);
    const served = new Set(routes.map((r) => DOMAINS.reduce((x, d) => x.replace(new RegExp(`^/${d.name}/`), '/<domain>/'), r)));
    expect(Object.keys(ROUTES).filter((r) => !served.has(r))).toEqual([]);
  });

  /** Who reads, what it must see, what it must never see. */
  interface Reader {
    role: 'partner' | 'sousPrefecture';
    token: () => string;
    /** Ids it reads, per domain. */
    own: (i: Ids) => { commitment: string; operation: string };
    /** Ids it must get 404 on, per domain. */
    foreign: (i: Ids) => { commitments: string[]; operations: string[] };
    /** Marks of foreign data in an answer's text. */
    foreignMarks: (i: Ids) => string[];
    /** Whether a JSON object shows foreign data (`financer` or `arrondissement` of another). */
    foreignObject: (o: Record<string, unknown>) => boolean;
    /** A filter naming something of another: the answer must be empty. */
    otherFilter: string;
  }

  const partner: Reader = {
    role: 'partner',
    token: () => t.token('partner', undefined, { party: X }),
    own: (i) => ({ commitment: i.cX, operation: i.operationHere }),
    foreign: (i) => ({ commitments: [i.cYHere, i.cYElsewhere], operations: [i.operationElsewhere] }),
    foreignMarks: (i) => [i.cYHere, i.cYElsewhere, i.operationElsewhere, i.actionY, ...moneyMarkers(Y_HERE_CENTS), ...moneyMarkers(Y_ELSEWHERE_CENTS)],
    foreignObject: (o) => o.financer !== undefined && o.financer !== X,
    otherFilter: `financer=${Y}`,
  };
  const sousPrefecture: Reader = {
    role: 'sousPrefecture',
    token: () => t.token('sous-prefecture', undefined, { arrondissement: HERE.arrondissement }),
    own: (i) => ({ commitment: i.cYHere, operation: i.operationHere }),
    foreign: (i) => ({ commitments: [i.cYElsewhere], operations: [i.operationElsewhere] }),
    foreignMarks: (i) => [i.cYElsewhere, i.operationElsewhere, i.actionY, ...moneyMarkers(Y_ELSEWHERE_CENTS)],
    foreignObject: (o) => typeof o.arrondissement === 'string' && o.arrondissement !== HERE.arrondissement,
    otherFilter: `arrondissement=${ELSEWHERE.arrondissement}`,
  };

  /** Every object of a JSON answer, but the amounts a decision approved (a comité's decisions are shared). */
  function objectsOf(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
    if (Array.isArray(value)) for (const v of value) objectsOf(v, out);
    else if (value !== null && typeof value === 'object') {
      out.push(value as Record<string, unknown>);
      for (const [key, inner] of Object.entries(value)) if (key !== 'amounts') objectsOf(inner, out);
    }
    return out;
  }

  /** The concrete paths of a route for a reader: its own ids, and (separately) the foreign ones. */
  function pathsOf(route: string, reader: Reader): { own: string[]; foreign: { path: string; id: string; unknown: string }[] } {
    const owner = DOMAINS.find((d) => route.startsWith(`/${d.name}/`));
    const own: string[] = [];
    const foreign: { path: string; id: string; unknown: string }[] = [];
    for (const domain of owner ? [owner] : DOMAINS) {
      const i = ids[domain.name];
      const mine = reader.own(i);
      const fill = (commitment: string, operation: string, actionCommitment = i.actionX) =>
        route.replace(/\{(\w+)\}/g, (_, param: string, at: number) => {
          const before = route.slice(0, at);
          if (param === 'domain') return domain.name;
          if (param === 'list') return 'parties';
          if (param === 'insee') return HERE.commune;
          if (param === 'id' && /envelopes\/$/.test(before)) return UNKNOWN_ID;
          if (param === 'id' && /beneficiaries\/$/.test(before)) return i.beneficiaryId;
          if (param === 'meetingId') return i.meetingId;
          if (param === 'importId') return UNKNOWN_ID;
          if (param === 'decisionId') return 'DX';
          if (param === 'commitmentId') return commitment;
          if (param === 'revision') return String(i.payment[commitment] ?? 1);
          if (param === 'id' && /action-commitments?\/$/.test(before)) return actionCommitment;
          if (param === 'id' && /acts?\/$/.test(before)) return i.actId;
          if (param === 'id' && /agreements?\/$/.test(before)) return 'erbm-2017';
          if (param === 'id' && /commitments?\/$/.test(before)) return commitment;
          if (param === 'id' && /operations?\/(\{domain\}\/)?$/.test(before)) return operation;
          if (param === 'id' && /meetings?\/$/.test(before)) return i.meetingId;
          throw new Error(`no value for {${param}} in ${route}: say here which id it takes`);
        });
      own.push(fill(mine.commitment, mine.operation));
      const takesAction = /action-commitments?\/\{id\}/.test(route);
      const takesCommitment = /\{(commitmentId|id)\}/.test(route) && /commitment/.test(route) && !takesAction;
      const takesOperation = /operations?\/(\{domain\}\/)?\{id\}/.test(route);
      const { commitments, operations } = reader.foreign(i);
      const asUnknown = (path: string, id: string) => ({ path, id, unknown: path.split(id).join(UNKNOWN_ID) });
      if (takesCommitment) for (const c of commitments) foreign.push(asUnknown(fill(c, mine.operation), c));
      if (takesAction) foreign.push(asUnknown(fill(mine.commitment, mine.operation, i.actionY), i.actionY));
      if (takesOperation) for (const o of operations) foreign.push(asUnknown(fill(mine.commitment, o), o));
    }
    return { own: [...new Set(own)], foreign };
  }

  /** What a view filtered by something of another must answer: nothing. */
  const FILTERED = ['/sgar/totals', '/sgar/totals/commitments', '/sgar/progress', '/audit/lineage/total', '/audit/warnings'];

  describe.each([partner, sousPrefecture])('$role', (reader) => {
    it('reads nothing of others on any scoped route, in JSON or CSV, and the whole-programme views are refused', async () => {
      const failures: string[] = [];
      const token = reader.token();
      for (const route of routes) {
        const behaviour = classOf(route)?.[reader.role];
        if (!behaviour) continue;
        const { own } = pathsOf(route, reader);
        for (const path of own) {
          const res = await t.request('GET', path, { token });
          if (behaviour === 'forbidden') {
            if (res.status !== 403) failures.push(`${path}: ${res.status}, expected 403`);
            continue;
          }
          // Health may say the projections (not run here) are behind; what matters is that the reader is let in.
          if (behaviour === 'reference') {
            if (res.status === 401 || res.status === 403) failures.push(`${path}: ${res.status}`);
            continue;
          }
          if (res.status !== 200) {
            failures.push(`${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
            continue;
          }
          const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
          for (const mark of DOMAINS.flatMap((d) => reader.foreignMarks(ids[d.name]))) if (text.includes(mark)) failures.push(`${path} shows ${mark}`);
          for (const o of objectsOf(res.body)) if (reader.foreignObject(o)) failures.push(`${path} shows ${JSON.stringify(o).slice(0, 160)}`);
          if (/format/.test(JSON.stringify(await documentedQuery(route)))) {
            const csv = await t.request('GET', `${path}${path.includes('?') ? '&' : '?'}format=csv`, { token });
            if (csv.status !== 200) failures.push(`${path} csv: ${csv.status}`);
            for (const mark of DOMAINS.flatMap((d) => reader.foreignMarks(ids[d.name])))
              if (String(csv.body).includes(mark)) failures.push(`${path} csv shows ${mark}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it("answers another's ids exactly as unknown ids: 404, the same problem", async () => {
      const failures: string[] = [];
      const token = reader.token();
      let checked = 0;
      for (const route of routes.filter((r) => classOf(r)?.[reader.role] === 'scoped')) {
        for (const { path, id, unknown } of pathsOf(route, reader).foreign) {
          const [res, none] = [await t.request('GET', path, { token }), await t.request('GET', unknown, { token })];
          checked++;
          const same = JSON.stringify(res.body).split(id).join('<id>') === JSON.stringify(none.body).split(UNKNOWN_ID).join('<id>');
          if (res.status !== 404 || none.status !== 404 || !same)
            failures.push(`${path}: ${res.status} ${JSON.stringify(res.body)} vs unknown ${none.status} ${JSON.stringify(none.body)}`);
        }
      }
      // Six routes take a commitment, three an operation, two a commitment of action: a partner has two foreign
      // commitments, a sous-préfecture one; each has one foreign commitment of action.
      expect(checked).toBe(DOMAINS.length * (reader.role === 'partner' ? 6 * 2 + 3 + 2 : 6 + 3 + 2));
      expect(failures).toEqual([]);
    });

    it.each(FILTERED)('%s filtered by something of another answers nothing, not their figures', async (route) => {
      const res = await t.request('GET', `${route}?${reader.otherFilter}`, { token: reader.token() });
      expect(res.status).toBe(200);
      const rows = res.body.rows ?? res.body.commitments ?? res.body.warnings;
      expect(rows).toEqual([]);
    });
  });

  let document: { paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }> } | undefined;
  async function documentedQuery(route: string) {
    document ??= (await t.request('GET', '/docs-json', { token: null })).body;
    return (document?.paths[route]?.get?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  }

  it('a partner sees its own figures whole: its totals are its commitments, its operation shows its commitment only', async () => {
    const token = partner.token();
    const totals = (await t.request('GET', '/sgar/totals?groupBy=financer', { token })).body;
    expect(totals.rows.map((r: { financer: string }) => r.financer)).toEqual([X]);
    expect(totals.total.committed).toBe(200_000_00 * DOMAINS.length);
    const domain = DOMAINS[0].name;
    const operation = (await t.request('GET', `/${domain}/operations/${ids[domain].operationHere}`, { token })).body;
    expect(operation.commitments.map((c: { id: string }) => c.id)).toEqual([ids[domain].cX]);
    expect(operation.financing.total.committed).toBe(200_000_00);
    const list = (await t.request('GET', `/${domain}/operations`, { token })).body;
    expect(list.operations.map((o: { id: string }) => o.id)).toEqual([ids[domain].operationHere]);
    const meeting = (await t.request('GET', `/${domain}/meetings/${ids[domain].meetingId}`, { token })).body;
    expect(meeting.decisions.map((d: { decisionId: string }) => d.decisionId)).toEqual(['DX', 'DY']);
    expect(meeting.programmings.map((p: { commitmentId: string }) => p.commitmentId)).toEqual([ids[domain].cX]);
  });

  it('a sous-préfecture sees every financer of its arrondissement and nothing of the others', async () => {
    const token = sousPrefecture.token();
    const progress = (await t.request('GET', '/sgar/progress?by=financer', { token })).body;
    expect(progress.rows.map((r: { financer: string }) => r.financer).sort()).toEqual([Y, X].sort());
    expect(progress.total.committed).toBe((200_000_00 + Y_HERE_CENTS) * DOMAINS.length);
    const byPlace = (await t.request('GET', '/sgar/totals?groupBy=arrondissement', { token })).body;
    expect(byPlace.rows.map((r: { arrondissement: string }) => r.arrondissement)).toEqual([HERE.arrondissement]);
  });

  it('the SGAR still reads everything (the scope narrows only the roles it is for)', async () => {
    const totals = (await t.request('GET', '/sgar/totals?groupBy=financer', { token: t.token('sgar') })).body;
    expect(totals.total.committed).toBe((200_000_00 + Y_HERE_CENTS + Y_ELSEWHERE_CENTS) * DOMAINS.length);
  });

  it('nobody of these roles writes', async () => {
    const domain = DOMAINS[0].name;
    for (const token of [partner.token(), sousPrefecture.token()]) {
      const res = await t.request('POST', `/${domain}/meetings`, { token, body: { body: 'copil', date: '2023-01-16', place: 'Lille' } });
      expect(res.status).toBe(403);
    }
  });
});
