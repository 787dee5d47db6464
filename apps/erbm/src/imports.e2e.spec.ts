import { FIELD_NAMES } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';
import { TestImportsModule, upload, withTestImportSource } from './testing/test-imports';

/** Every key of a JSON answer; what `data` holds is an event as stored, in its own versioned schema. */
function keysOf(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, found);
  else if (value !== null && typeof value === 'object')
    for (const [key, inner] of Object.entries(value)) {
      found.add(key);
      if (key !== 'data') keysOf(inner, found);
    }
  return found;
}

/** A domain team uploads a file: recorded once, answered again when sent again, refused without a file or a right. */
describe('imports over HTTP: POST /<domain>/imports/<source>, GET /imports', () => {
  let t: TestApp;
  const domain = DOMAINS[0].name;
  const other = DOMAINS[1].name;
  const path = `/${domain}/imports/test-items`;
  const file = { name: 'valeurs-été.csv', content: 'clé;valeur\nx;1\ny;2\nz;\n' };

  beforeAll(async () => {
    t = await startTestApp((database) => [
      TestImportsModule,
      ...everyDomain({ projections: { run: false, databaseUrl: database.url }, domains: withTestImportSource(DOMAINS), demo: false }),
    ]);
  });
  afterAll(() => t?.close());

  it('records an import (201, Location), answers it again without writing (200 alreadyImported), lists it and shows its facts', async () => {
    const editor = t.token('editor', domain, { userId: 'ana' });
    const dry = await upload(t.baseUrl, `${path}?dryRun=true`, editor, file);
    expect([dry.status, dry.body.dryRun, dry.body.eventsWritten]).toEqual([200, true, 2]);
    const before = await t.store.countAfter(null);
    expect((await t.request('GET', '/imports', { token: t.token('auditor') })).body.imports).toEqual([]);

    const first = await upload(t.baseUrl, path, editor, file);
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/imports/${first.body.importId}`);
    expect(first.body).toMatchObject({
      fileName: 'valeurs-été.csv',
      domain,
      created: 2,
      rejectedCount: 1,
      rejected: [{ row: 4, field: 'value' }],
      importedBy: 'ana',
    });
    const written = (await t.store.countAfter(null)) - before;
    expect(written).toBe(5);

    const again = await upload(t.baseUrl, path, t.token('admin'), { ...file, name: 'autre-nom.csv' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ importId: first.body.importId, alreadyImported: true, fileName: 'valeurs-été.csv', importedBy: 'ana' });
    expect(await t.store.countAfter(null)).toBe(before + written);

    const list = await t.request('GET', '/imports', { token: t.token('auditor') });
    expect(list.body.imports).toMatchObject([{ importId: first.body.importId, source: 'test-items', status: 'completed', recordedBy: 'ana', created: 2 }]);
    // An editor of another domain sees none of it, and its id is not found.
    expect((await t.request('GET', '/imports', { token: t.token('editor', other) })).body.imports).toEqual([]);
    expect((await t.request('GET', `/imports/${first.body.importId}`, { token: t.token('editor', other) })).status).toBe(404);

    const one = await t.request('GET', `/imports/${first.body.importId}`, { token: t.token('auditor') });
    expect(one.status).toBe(200);
    expect(one.body.report).toEqual(first.body);
    expect(one.body.facts.map((f: { label: string }) => f.label)).toEqual(['Import commencé', 'Import terminé']);
    // Every name of these answers is one of the list (the field-names test walks the views with no import to show).
    const names = new Set([...Object.keys(FIELD_NAMES), ...DOMAINS.flatMap((d) => Object.keys(d.fieldNames))]);
    const keys = [...keysOf([first.body, list.body, one.body])];
    expect(keys.filter((k) => !names.has(k))).toEqual([]);
  });

  it('refuses a missing file (422 on file), an unknown source (404), a reader (403) and another domain’s editor (403), in French', async () => {
    const editor = t.token('editor', domain);
    const missing = await upload(t.baseUrl, path, editor);
    expect(missing.status).toBe(422);
    expect(missing.contentType).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ field: 'file', rule: 'import-file-missing', detail: expect.stringContaining('Aucun fichier reçu') });
    const unknown = await upload(t.baseUrl, `/${domain}/imports/nowhere`, editor, file);
    expect([unknown.status, unknown.body.detail]).toEqual([404, expect.stringContaining('test-items')]);
    const wrongKind = await upload(t.baseUrl, path, editor, { ...file, name: 'valeurs.xlsx' });
    expect([wrongKind.status, wrongKind.body.field]).toEqual([422, 'file']);
    for (const token of [t.token('auditor'), t.token('editor', other)]) {
      const refused = await upload(t.baseUrl, path, token, file);
      expect([refused.status, refused.body.title]).toEqual([403, 'Accès refusé']);
    }
    // A JSON body elsewhere is still the only body there: multipart is taken by the import route alone.
    const form = await upload(t.baseUrl, `/${domain}/operations`, editor, file);
    expect(form.status).toBe(415);
  });
});
