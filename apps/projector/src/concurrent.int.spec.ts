import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { ProjectionRunner, rebuildProjection } from '@erbm/shared/projections';
import { dumpReadModels, logSettled } from '@erbm/shared/testing';
import { type GeneratedOperation, generateOperations, projections, TOTALS_MISMATCH_SQL, withReadModels } from './testing';

/**
 * Writes through the API while the projections run in the same process: on the embedded database (CI's first pass)
 * both share its one connection, and their transactions must queue, never interleave.
 */
describe(`projections running while the API writes (${process.env.DATABASE_URL ? 'server' : 'embedded'} database)`, () => {
  let t: TestApp;
  let generated: GeneratedOperation[];
  const query = (sql: string) => t.database.db.query<Record<string, unknown>>(sql);
  beforeAll(async () => {
    t = await startTestApp(withReadModels);
    generated = await generateOperations(t.store, 6);
  });
  afterAll(() => t.close());

  it('finds nothing corrupted: rows match the streams, totals match the rows, a rebuild matches the live run', async () => {
    const readModels = t.app.get(ReadModels);
    const runners = projections().map((p) => new ProjectionRunner(p, t.store, readModels.dataSource(p.name), { batchSize: 3, idleMs: 5 }));
    runners.forEach((r) => r.start());
    // Each commitment is written by an editor of its domain, at its domain's routes.
    const commitments = generated.flatMap(({ domain, commitmentIds }) =>
      commitmentIds.map((id) => ({ id, path: `/${domain.name}/commitments/${id}`, editor: t.token('editor', domain.name) })),
    );
    const writes = commitments.flatMap(({ path, editor }, i) => [
      () => t.request('POST', `${path}/certify`, { token: editor, body: { amountCents: 10_00 + i, reference: `SF-${i}`, date: '2022-01-01' } }),
      () => t.request('POST', `${path}/order`, { token: editor, body: { amountCents: 5_00, reference: `DP-${i}`, date: '2022-01-02' } }),
    ]);
    // A client that is told the embedded database is busy (503) comes back when Retry-After says, as any client should.
    const untilAdmitted = async (write: () => ReturnType<TestApp['request']>) => {
      for (;;) {
        const answer = await write();
        if (answer.status !== 503) return answer;
        expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
        await new Promise((resolve) => setTimeout(resolve, Number(answer.headers.get('retry-after')) * 1000));
      }
    };
    const results = await Promise.all(writes.map(untilAdmitted));
    // Concurrent writes to one commitment may lose the race (409); none may fail otherwise.
    expect(results.filter((r) => r.status !== 200 && r.status !== 409)).toEqual([]);
    const succeeded = results.filter((r) => r.status === 200).length;
    expect(succeeded).toBeGreaterThanOrEqual(commitments.length);

    await Promise.all(runners.map((r) => r.stop()));
    expect(runners.map((r) => r.lastError)).toEqual(runners.map(() => undefined));
    // Up to every write above: the log as its readers see it once settled (see logSettled).
    await logSettled(t.database.db);
    for (const p of projections()) await new ProjectionRunner(p, t.store, readModels.dataSource(p.name)).catchUp();

    for (const { id, path, editor } of commitments) {
      const fromStream = (await t.request('GET', path, { token: editor })).body;
      const [row] = await query(`SELECT certified::text, ordered::text, revision FROM rm_ledger.commitments WHERE id = '${id}'`);
      expect([id, Number(row.certified), Number(row.ordered), Number(row.revision)]).toEqual([
        id,
        fromStream.ledgers.certified,
        fromStream.ledgers.ordered,
        fromStream.revision,
      ]);
    }
    expect(await query(TOTALS_MISMATCH_SQL)).toEqual([]);
    const [{ parked }] = await query(`SELECT count(*)::int AS parked FROM rm_ledger.parked_events`);
    expect(Number(parked)).toBe(0);
    const live = await dumpReadModels(projections(), query);
    for (const p of projections()) await rebuildProjection(p, t.store, { db: t.database.db, databaseUrl: t.database.url });
    expect(await dumpReadModels(projections(), query)).toEqual(live);
  });
});
