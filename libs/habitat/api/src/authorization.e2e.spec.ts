import type { Domain, Role } from '@erbm/shared/auth';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { habitatService } from './testing/service';

type Who = { label: string; role?: Role; domain?: Domain; party?: string; arrondissement?: string };
const PEOPLE: Who[] = [
  { label: 'editor habitat', role: 'editor', domain: 'habitat' },
  { label: 'editor emploi', role: 'editor', domain: 'emploi' },
  { label: 'editor politique-de-la-ville', role: 'editor', domain: 'politique-de-la-ville' },
  { label: 'editor culture', role: 'editor', domain: 'culture' },
  { label: 'sgar', role: 'sgar' },
  { label: 'auditor', role: 'auditor' },
  { label: 'admin', role: 'admin' },
  { label: 'partner', role: 'partner', party: 'region_hdf' },
  { label: 'sous-prefecture', role: 'sous-prefecture', arrondissement: '625' },
  { label: 'no token' },
];
const WRITERS = new Set(['editor habitat', 'admin']);
/** The programme's own routes (framework agreements, published figures) and the envelopes of the funding lines belong to no domain: an admin writes them. */
const writersOf = (path: string) => (path.startsWith('/programme/') || path.startsWith('/envelopes') ? new Set(['admin']) : WRITERS);
/** What every domain shares (the beneficiaries): every domain's editor and the admin write it. */
const SHARED_WRITES = /^\/beneficiaries(\/|$)/;
const SHARED_WRITERS = new Set([...PEOPLE.filter((p) => p.role === 'editor').map((p) => p.label), 'admin']);
const READERS = new Set(['editor habitat', 'sgar', 'auditor', 'admin']);
/** They read every domain, narrowed to their party or arrondissement; views of the whole programme refuse them (403). */
const SCOPED_READERS = new Set(['partner', 'sous-prefecture']);
const ANY_ID = '5b0c0000-0000-4000-8000-000000000000';
/** Meetings of every body and acts belong to no domain: an editor of any domain or the admin writes them, everyone reads. */
const isGovernance = (path: string) => /^\/(meetings|acts)(\/|$)/.test(path);
const GOVERNANCE_WRITERS = new Set([...PEOPLE.filter((p) => p.role === 'editor').map((p) => p.label), 'admin']);
/** Habitat imports no file: past the guard, an upload names a source it does not have (404), whatever the body. */
const isImport = (path: string) => /^\/habitat\/imports\//.test(path);

/** Every route of the service, read from its own OpenAPI document, so a new route cannot escape the matrix. */
async function routes(t: TestApp): Promise<{ method: string; path: string }[]> {
  const doc = (await t.request('GET', '/docs-json', { token: null })).body as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace('{domain}', 'habitat').replace(/\{[^}]+\}/g, ANY_ID) })),
  );
}

describe('habitat-api: the authorization matrix, every role against every route', () => {
  let t: TestApp;
  let all: { method: string; path: string }[];
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    all = (await routes(t)).filter((r) => r.path !== '/health');
  });
  afterAll(() => t.close());

  const tokenOf = (who: Who) => (who.role ? t.token(who.role, who.domain, { party: who.party, arrondissement: who.arrondissement }) : null);

  it("writes: only the habitat editor and the admin get past authorization (the admin alone on envelopes and the programme, any domain's editor for governance and the beneficiaries); nobody else writes anything", async () => {
    const writes = all.filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThanOrEqual(22);
    // The head once every event written so far shows in the log (see logSettled): it moves only by a write.
    await logSettled(t.database.db);
    const head = await t.store.head();
    const failures: string[] = [];
    for (const route of writes)
      for (const who of PEOPLE) {
        // An empty body: allowed callers get past the guard and are stopped by validation (400), the others never reach it.
        const res = await t.request(route.method, route.path, { token: tokenOf(who), body: {} });
        const writers = SHARED_WRITES.test(route.path) ? SHARED_WRITERS : isGovernance(route.path) ? GOVERNANCE_WRITERS : writersOf(route.path);
        const expected = !who.role ? 401 : writers.has(who.label) ? (isImport(route.path) ? 404 : 400) : 403;
        if (res.status !== expected) failures.push(`${who.label} ${route.method} ${route.path}: ${res.status}, expected ${expected}`);
        if (res.status === 403 && !/ne peut pas écrire/.test(res.body.detail))
          failures.push(`${who.label} ${route.method} ${route.path}: 403 without a reason`);
      }
    expect(failures).toEqual([]);
    await logSettled(t.database.db);
    expect(await t.store.head()).toBe(head);
  });

  it('reads: the habitat editor, the SGAR, auditors and the admin read habitat, partners and sous-préfectures their part of it; other editors do not', async () => {
    const reads = all.filter((r) => r.method === 'GET' && r.path.startsWith('/habitat'));
    expect(reads.length).toBeGreaterThanOrEqual(5);
    const failures: string[] = [];
    for (const route of reads)
      for (const who of PEOPLE) {
        const res = await t.request('GET', route.path, { token: tokenOf(who) });
        const allowed = READERS.has(who.label);
        const wholeProgramme = res.status === 403 && /tout le programme/.test(res.body.detail);
        const ok = !who.role
          ? res.status === 401
          : allowed
            ? res.status === 200 || res.status === 404
            : SCOPED_READERS.has(who.label)
              ? res.status === 200 || res.status === 404 || wholeProgramme
              : res.status === 403;
        if (!ok) failures.push(`${who.label} GET ${route.path}: ${res.status}`);
      }
    expect(failures).toEqual([]);
  });

  it('meetings and acts of every body are read by every authenticated user', async () => {
    const reads = all.filter((r) => r.method === 'GET' && isGovernance(r.path));
    expect(reads.map((r) => r.path).sort()).toEqual(['/acts', `/acts/${ANY_ID}`, '/meetings', `/meetings/${ANY_ID}`]);
    for (const route of reads)
      for (const who of PEOPLE) {
        const res = await t.request('GET', route.path, { token: tokenOf(who) });
        expect([who.label, route.path, res.status]).toEqual([who.label, route.path, !who.role ? 401 : route.path.includes(ANY_ID) ? 404 : 200]);
      }
  });

  it('referentials are read by every authenticated user', async () => {
    for (const who of PEOPLE) {
      const res = await t.request('GET', '/referentials/fundingLines?date=2023-01-01', { token: tokenOf(who) });
      expect([who.label, res.status]).toEqual([who.label, who.role ? 200 : 401]);
    }
  });
});
