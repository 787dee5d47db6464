import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { ProjectionRunner, rebuildProjection } from '@erbm/shared/projections';
import { dumpReadModels, generateHabitat, projections, TOTALS_MISMATCH_SQL, withReadModels } from './testing';

/**
 * Writes through the API while the projections run in the same process: on the embedded database (CI's first pass)
 * both share its one connection, and their transactions must queue, never interleave.
 */
describe(`projections running while the API writes (${process.env.DATABASE_URL ? 'server' : 'embedded'} database)`, () => {
  let t: TestApp;
  const query = (sql: string) => t.database.db.query<Record<string, unknown>>(sql);
  beforeAll(async () => {
    t = await startTestApp(withReadModels);
    await generateHabitat(t.store, 6);
  });
  afterAll(() => t.close());

  it('finds nothing corrupted: rows match the streams, totals match the rows, a rebuild matches the live run', async () => {
    const readModels = t.app.get(ReadModels);
    const runners = projections().map((p) => new ProjectionRunner(p, t.store, readModels.dataSource(p.name), { batchSize: 3, idleMs: 5 }));
    runners.forEach((r) => r.start());
    const editor = t.token('editor', 'habitat');
    const operations = (await t.request('GET', '/habitat/operations', { token: editor })).body.operations as { id: string }[];
    const commitments: string[] = [];
    for (const op of operations) commitments.push(...(await t.request('GET', `/habitat/operations/${op.id}`, { token: editor })).body.commitments.map((c: { id: string }) => c.id));

    const writes = commitments.flatMap((id, i) => [
      () => t.request('POST', `/habitat/commitments/${id}/certify`, { token: editor, body: { amountCents: 10_00 + i, reference: `SF-${i}`, date: '2022-01-01' } }),
      () => t.request('POST', `/habitat/commitments/${id}/order`, { token: editor, body: { amountCents: 5_00, reference: `DP-${i}`, date: '2022-01-02' } }),
    ]);
    const results = await Promise.all(writes.map((w) => w()));
    // Concurrent writes to one commitment may lose the race (409); none may fail otherwise.
    expect(results.filter((r) => r.status !== 200 && r.status !== 409)).toEqual([]);
    const succeeded = results.filter((r) => r.status === 200).length;
    expect(succeeded).toBeGreaterThanOrEqual(commitments.length);

    await Promise.all(runners.map((r) => r.stop()));
    expect(runners.map((r) => r.lastError)).toEqual([undefined, undefined]);
    for (const p of projections()) await new ProjectionRunner(p, t.store, readModels.dataSource(p.name)).catchUp();

    for (const id of commitments) {
      const fromStream = (await t.request('GET', `/habitat/commitments/${id}`, { token: editor })).body;
      const [row] = await query(`SELECT certified::text, ordered::text, revision FROM rm_ledger.commitments WHERE id = '${id}'`);
      expect([id, Number(row.certified), Number(row.ordered), Number(row.revision)]).toEqual([id, fromStream.ledgers.certified, fromStream.ledgers.ordered, fromStream.revision]);
    }
    expect(await query(TOTALS_MISMATCH_SQL)).toEqual([]);
    const [{ parked }] = await query(`SELECT count(*)::int AS parked FROM rm_ledger.parked_events`);
    expect(Number(parked)).toBe(0);
    const live = await dumpReadModels(query);
    for (const p of projections()) await rebuildProjection(p, t.store, { db: t.database.db, databaseUrl: t.database.url });
    expect(await dumpReadModels(query)).toEqual(live);
  });
});
