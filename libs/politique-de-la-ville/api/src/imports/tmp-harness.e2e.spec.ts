import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ReadModels, uuidFrom } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { everyDomain } from '@erbm/domains';
import { AdultesRelaisImport, PostesFonjepImport } from './p147-posts.import';

describe('harness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true }));
  });
  afterAll(() => t?.close());
  const run = async (source: AdultesRelaisImport | PostesFonjepImport, path: string) => {
    const content = readFileSync(path);
    const sha256 = createHash('sha256').update(content).digest('hex');
    let written = 0;
    const start = Date.now();
    const outcome = await source.run(
      { fileName: path, content, sha256 },
      {
        importId: uuidFrom(sha256),
        dryRun: false,
        store: t.store,
        today: '2026-12-02',
        progress: () => undefined,
        writer: {
          append: async (stream, events, expected, occurredAt) => {
            written += events.length;
            await t.store.append(
              stream,
              events.map((e) => ({
                id: randomUUID(),
                type: e.type,
                schemaVersion: 1,
                data: JSON.parse(JSON.stringify(e.data)),
                envelope: { actor: { userId: 'u', role: 'editor', organisation: 'o' }, occurredAt: e.occurredAt ?? occurredAt },
              })),
              expected,
            );
          },
        },
      },
    );
    console.log(path, Date.now() - start, 'ms', written, 'events', JSON.stringify({ ...outcome, notes: outcome.notes?.map((n) => [n.code, n.items?.length]) }));
  };
  it('imports', async () => {
    const ar = t.app.get(AdultesRelaisImport, { strict: false });
    const fj = t.app.get(PostesFonjepImport, { strict: false });
    await run(ar, '/work/shared/data/p147_adulte_relais_59_62_2020_2023.csv');
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
    await run(fj, '/work/shared/data/p147_postes_fonjep_59_62_2020_2023.csv');
    await run(ar, '/work/shared/data/p147_adulte_relais_59_62_2020_2023.csv');
    await run(fj, '/work/shared/data/p147_postes_fonjep_59_62_2020_2023.csv');
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
    const sgar = t.token('sgar');
    const totals = await t.request('GET', '/sgar/totals?domain=politique-de-la-ville&groupBy=fiscalYear,departement', { token: sgar });
    console.log(JSON.stringify(totals.body.rows?.map((r: Record<string, unknown>) => [r.fiscalYear, r.departement, r.committed, r.commitmentCount])), totals.status);
    const ind = await t.request('GET', '/politique-de-la-ville/indicators?year=2022', { token: sgar });
    console.log(JSON.stringify(ind.body).slice(0, 3000));
    const parked = await t.request('GET', '/projections', { token: t.token('admin') });
    console.log(JSON.stringify(parked.body).slice(0, 1500));
  });
});
