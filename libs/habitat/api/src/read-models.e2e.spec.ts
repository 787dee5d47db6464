import { CommandBus } from '@nestjs/cqrs';
import { DomainsModule, ProjectionsModule, ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { ProjectionRunner, rebuildProjection } from '@erbm/shared/projections';
import { dumpReadModels, logSettled } from '@erbm/shared/testing';
import { LedgerRegisterProjection } from '@erbm/ledger/read-models';
import { habitatDomain } from './habitat-domain';
import { seedHabitatDemo } from './demo/demo-seed';

/** The ledger register placing habitat's commitments, then habitat's own read models: what the registry composes for it. */
const projections = () => [new LedgerRegisterProjection([{ domain: 'habitat', ...habitatDomain.operations.locator }]), ...habitatDomain.projections()];

describe('habitat: the demo data, and its operations in the read models', () => {
  let t: TestApp;
  let editor: string;
  const query = (sql: string) => t.database.db.query<Record<string, unknown>>(sql);
  /** Each projection up to every event written so far (see logSettled), in small batches. */
  const project = async () => {
    await logSettled(t.database.db);
    for (const p of projections()) await new ProjectionRunner(p, t.store, t.app.get(ReadModels).dataSource(p.name), { batchSize: 7 }).catchUp();
  };

  beforeAll(async () => {
    t = await startTestApp((database) => [
      DomainsModule.forRoot([habitatDomain]),
      ProjectionsModule.forRoot(projections(), { run: false, databaseUrl: database.url }),
    ]);
    editor = t.token('editor', 'habitat');
    await seedHabitatDemo(t.app.get(CommandBus));
    await project();
  });
  afterAll(() => t.close());

  it('seeds demo data marked as such: a cité per arrondissement, three financers or more each, 310 dwellings delivered by the end of 2022', async () => {
    const list = await t.request('GET', '/habitat/operations', { token: t.token('sgar') });
    expect(list.status).toBe(200);
    const operations = list.body.operations as {
      name: string;
      arrondissement: string;
      financing: { commitmentCount: number };
      recordedBy: { organisation: string };
    }[];
    expect(operations.length).toBeGreaterThanOrEqual(4);
    expect(operations.every((o) => o.name.startsWith('[DÉMO]') && o.recordedBy.organisation.includes('DÉMONSTRATION'))).toBe(true);
    expect(new Set(operations.map((o) => o.arrondissement))).toEqual(new Set(['622', '627', '593', '596']));
    expect(operations.every((o) => o.financing.commitmentCount >= 3)).toBe(true);
    const [{ n }] = await query('SELECT count(*)::int AS n FROM rm_ledger.commitments');
    expect(Number(n)).toBe(13);

    const indicators = await t.request('GET', '/habitat/indicators?asOf=31/12/2022', { token: editor });
    expect(indicators.body.indicators.find((i: { indicator: string }) => i.indicator === 'dwellings-delivered')).toMatchObject({
      value: 60 + 70 + 40 + 140,
      target: 23_000,
    });
  });

  it('gives the SGAR its indicators per arrondissement as the sums of its operation rows, against the 23,000 target', async () => {
    const values = await habitatDomain.indicators.read(t.app.get(ReadModels).dataSource(habitatDomain.indicators.projection));
    const delivered = values.filter((v) => v.indicator === 'dwellings-delivered');
    const rows = await query(
      `SELECT arrondissement, sum(dwellings_delivered)::int AS sum FROM rm_habitat.operations GROUP BY 1 HAVING sum(dwellings_delivered) > 0 ORDER BY 1`,
    );
    expect(delivered.map((v) => [v.arrondissement, v.value])).toEqual(rows.map((r) => [r.arrondissement, Number(r.sum)]));
    expect(delivered.reduce((s, v) => s + v.value, 0)).toBe(60 + 70 + 40 + 140);
    expect(habitatDomain.indicators.definitions.find((d) => d.code === 'dwellings-delivered')).toMatchObject({ target: 23_000 });
  });

  it('keeps both read models in step with its facts: a phase sets the status, a move takes the commitments, their totals and the indicators along', async () => {
    const operations = (await t.request('GET', '/habitat/operations', { token: editor })).body.operations as { id: string; name: string }[];
    const moulin = operations.find((o) => o.name === '[DÉMO] Cité du Moulin') as { id: string };
    const glycines = operations.find((o) => o.name === '[DÉMO] Cité des Glycines') as { id: string };
    const moved = await t.request('PATCH', `/habitat/operations/${moulin.id}`, {
      token: editor,
      body: { communeInsee: '59606', reason: 'erreur de commune', date: '2023-02-01' },
    });
    expect(moved.status).toBe(200);
    const phase = await t.request('POST', `/habitat/operations/${glycines.id}/phases`, { token: editor, body: { phase: 'studies', date: '2020-02-01' } });
    expect(phase.status).toBe(200);
    await project();

    // Moved to Valenciennes: its commitments, their buckets, and the totals behind them, went with it; the rest of its
    // place was derived anew from its new commune.
    expect(await query(`SELECT DISTINCT arrondissement, departement, commune FROM rm_ledger.commitments WHERE operation_id = '${moulin.id}'`)).toEqual([
      { arrondissement: '596', departement: '59', commune: '59606' },
    ]);
    expect(
      await query(
        `SELECT DISTINCT b.arrondissement, b.epci FROM rm_ledger.commitment_buckets b JOIN rm_ledger.commitments c USING (id) WHERE c.operation_id = '${moulin.id}'`,
      ),
    ).toEqual([{ arrondissement: '596', epci: '245901160' }]);
    const totals = `SELECT financer, funding_line, arrondissement, fiscal_year, sum(commitments)::int AS commitments, sum(committed)::text AS committed, sum(paid)::text AS paid
                      FROM rm_ledger.consolidated_totals GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
    // Each commitment's ledgers by funding line and year of its facts (ADR 0016).
    const behind = `SELECT financer, funding_line, arrondissement, fiscal_year, count(*)::int AS commitments, sum(committed)::text AS committed, sum(paid)::text AS paid
                      FROM rm_ledger.commitment_buckets GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
    expect(await query(totals)).toEqual(await query(behind));
    // Its 40 delivered dwellings count in Valenciennes now, no longer in Douai.
    const delivered = await query(
      `SELECT arrondissement, value::int AS value FROM rm_habitat.indicator_totals WHERE indicator = 'dwellings-delivered' ORDER BY 1`,
    );
    expect(delivered).toEqual([
      { arrondissement: '596', value: 40 },
      { arrondissement: '622', value: 140 },
      { arrondissement: '627', value: 130 },
    ]);
    const [row] = await query(`SELECT status FROM rm_habitat.operations WHERE id = '${glycines.id}'`);
    expect(row.status).toBe('studies');
  });

  it('a rebuild from zero equals the live read models, row for row', async () => {
    const live = await dumpReadModels(projections(), query);
    expect(live['rm_habitat.operations'].length).toBe(4);
    for (const p of projections()) await rebuildProjection(p, t.store, { db: t.database.db, databaseUrl: t.database.url });
    expect(await dumpReadModels(projections(), query)).toEqual(live);
  });

  it('the checks find nothing in these read models, and name an indicator total changed in SQL', async () => {
    const readModels = t.app.get(ReadModels);
    expect(await readModels.verify()).toMatchObject({ ok: true, breaks: [], checksRun: projections().reduce((n, p) => n + (p.checks?.length ?? 0), 0) });
    const [total] = await query(`SELECT indicator, arrondissement, value::text FROM rm_habitat.indicator_totals ORDER BY 1, 2 LIMIT 1`);
    const change = (by: number) =>
      t.database.db.query(`UPDATE rm_habitat.indicator_totals SET value = value + $1 WHERE indicator = $2 AND arrondissement = $3`, [
        by,
        total.indicator,
        total.arrondissement,
      ]);
    await change(1_000);
    try {
      expect(await readModels.verify()).toMatchObject({
        ok: false,
        breaks: [
          {
            projection: 'habitat-register',
            table: 'indicator_totals',
            key: { indicator: total.indicator, arrondissement: total.arrondissement },
            column: 'value',
            expected: total.value,
            actual: String(Number(total.value) + 1_000),
            reason: 'an indicator total equals the sum of the operations’ contributions in its arrondissement',
          },
        ],
      });
    } finally {
      await change(-1_000);
    }
  });
});
