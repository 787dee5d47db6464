import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { ProjectionRunner, rebuildProjection } from '@erbm/shared/projections';
import { seedHabitatDemo } from '@erbm/habitat/api';
import { parseCsvRecords } from '@erbm/shared/referentials';
import { dumpReadModels, generateHabitat, projections, TOTALS_MISMATCH_SQL, withReadModels } from './testing';

describe('projections: the read models from the global log', () => {
  let t: TestApp;
  let readModels: ReadModels;
  let sgar: string;
  const query = (sql: string) => t.database.db.query<Record<string, unknown>>(sql);

  /** Runs each projection to the head in small batches, so that many batches and their checkpoints are exercised. */
  async function project(batchSize = 7) {
    for (const p of projections()) await new ProjectionRunner(p, t.store, readModels.dataSource(p.name), { batchSize }).catchUp();
  }

  beforeAll(async () => {
    t = await startTestApp(withReadModels);
    readModels = t.app.get(ReadModels);
    sgar = t.token('sgar');
    await seedHabitatDemo(t.app.get(CommandBus));
    await generateHabitat(t.store, 20);
    // Facts that move rows between totals: a correction, a carry-over, an operation moved to another commune.
    const list = (await t.request('GET', '/habitat/operations')).body.operations;
    const op = list[0];
    const detail = (await t.request('GET', `/habitat/operations/${op.id}`)).body;
    const commitment = detail.commitments[0];
    await t.request('POST', `/habitat/commitments/${commitment.id}/correct`, { body: { revision: 2, amountCents: commitment.ledgers.committed + 1_00, date: '2023-01-01', reason: 'erreur de saisie', decision: undefined } });
    await t.request('POST', `/habitat/commitments/${commitment.id}/carry-over`, { body: { toFiscalYear: commitment.fiscalYear + 1, date: '2023-12-31', reason: 'report' } });
    const moved = await t.request('PATCH', `/habitat/operations/${list[1].id}`, { body: { communeInsee: '59606', reason: 'erreur de commune', date: '2023-02-01' } });
    expect(moved.status).toBe(200);
    await project();
  });
  afterAll(() => t.close());

  it('every consolidated total equals the sum of the commitment rows behind it', async () => {
    expect(await query(TOTALS_MISMATCH_SQL)).toEqual([]);
    const [{ n }] = await query('SELECT count(*)::int AS n FROM rm_ledger.commitments');
    expect(Number(n)).toBe(13 + 60);
    // The operation moved to Valenciennes took its commitments' totals with it.
    const [{ arr }] = await query(`SELECT DISTINCT arrondissement AS arr FROM rm_ledger.commitments WHERE operation_name = '[DÉMO] Cité du Moulin'`);
    expect(arr).toBe('596');
  });

  it('keeps one version of a commitment per transaction: the events of one append were never seen apart', async () => {
    expect(await query(`SELECT id, from_txid FROM rm_ledger.commitment_versions GROUP BY id, from_txid HAVING count(*) > 1`)).toEqual([]);
    // Each generated commitment was written in one append of 3 to 5 events, then located by its operation's append: two
    // versions (one moved by a correction, a carry-over or a move has more); the demo's, written command by command,
    // have one version per command.
    const perCommitment = await query(`SELECT count(*)::int AS versions FROM rm_ledger.commitment_versions GROUP BY id`);
    expect(perCommitment.filter((r) => r.versions === 2).length).toBeGreaterThanOrEqual(60 - 6);
    expect(perCommitment.some((r) => (r.versions as number) > 3)).toBe(true);
  });

  it('a rebuild from zero equals the live projection, row for row', async () => {
    const live = await dumpReadModels(query);
    expect(live['rm_ledger.commitments'].length).toBeGreaterThan(0);
    for (const p of projections()) await rebuildProjection(p, t.store, { db: t.database.db, databaseUrl: t.database.url, batchSize: 1_000 });
    expect(await dumpReadModels(query)).toEqual(live);
  });

  it('a poisoned event is parked with its error, the rest goes on, and health reports it', async () => {
    const good = (await t.request('GET', '/habitat/operations')).body.operations[2];
    const poisoned = randomUUID();
    // A payment on a commitment that was never announced: no projection can apply it.
    await t.store.append(`commitment-${poisoned}`, [{ id: randomUUID(), type: 'ledger.PaymentMade', schemaVersion: 1, data: { amountCents: 100, kind: 'advance', reference: 'x', date: '2023-01-01' }, envelope: { actor: { userId: 'u', role: 'admin', organisation: 'o' }, occurredAt: '2023-01-01' } }], 'no_stream');
    await t.request('POST', `/habitat/operations/${good.id}/phases`, { body: { phase: 'studies', date: '2020-02-01' } }).then((r) => expect(r.status).toBe(200));
    await project();
    const parked = await query(`SELECT type, stream_name, error FROM rm_ledger.parked_events`);
    expect(parked).toEqual([{ type: 'ledger.PaymentMade', stream_name: `commitment-${poisoned}`, error: expect.stringContaining('before the commitment was announced') }]);
    const [row] = await query(`SELECT status FROM rm_habitat.operations WHERE id = '${good.id}'`);
    expect(row.status).toBe('studies');
    const health = (await t.request('GET', '/health/projections', { token: null })).body;
    expect(health.status).toBe('degraded');
    expect(health.projections.find((p: { projection: string }) => p.projection === 'ledger-register')).toMatchObject({ parkedEvents: 1, lagEvents: 0, lagSeconds: 0 });
    const metrics = await fetch(`${t.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toContain('erbm_projection_parked_events{projection="ledger-register"} 1');
  });

  it('health reports the lag while events wait, in events and in seconds', async () => {
    const op = (await t.request('GET', '/habitat/operations')).body.operations[3];
    await t.request('PATCH', `/habitat/operations/${op.id}`, { body: { name: 'Cité renommée', reason: 'nom officiel', date: '2023-03-01' } });
    const health = (await t.request('GET', '/health/projections', { token: null })).body;
    const habitat = health.projections.find((p: { projection: string }) => p.projection === 'habitat-register');
    expect(habitat.lagEvents).toBe(1);
    expect(habitat.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(habitat.checkpoint).not.toBe(habitat.head);
    await project();
    const after = (await t.request('GET', '/health/projections', { token: null })).body.projections.find((p: { projection: string }) => p.projection === 'habitat-register');
    expect([after.lagEvents, after.checkpoint]).toEqual([0, after.head]);
  });

  it('sgar totals along any axes, filtered, with drill-down whose sum is the total, and freshness', async () => {
    const view = await t.request('GET', '/sgar/totals?groupBy=financer,arrondissement,fiscalYear&domain=habitat', { token: sgar });
    expect(view.status).toBe(200);
    const [{ checkpoint }] = await query(`SELECT checkpoint FROM rm_ledger.projection_state`);
    expect(view.body.freshness).toMatchObject({ projection: 'ledger-register', checkpoint });
    expect(view.headers.get('x-erbm-checkpoint')).toBe(checkpoint);
    const rows = view.body.rows as Record<string, number & string>[];
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows.slice(0, 6)) {
      const q = `financer=${row.financer}&arrondissement=${row.arrondissement}&fiscalYear=${row.fiscalYear}&domain=habitat`;
      const behind = await t.request('GET', `/sgar/totals/commitments?${q}`, { token: sgar });
      expect(behind.body.total).toEqual({ commitments: row.commitments, announced: row.announced, programmed: row.programmed, committed: row.committed, certified: row.certified, ordered: row.ordered, paid: row.paid, released: row.released, recovered: row.recovered, resteAPayer: row.resteAPayer });
      const sum = behind.body.rows.reduce((s: number, c: { committed: number }) => s + c.committed, 0);
      expect(sum).toBe(row.committed);
      // From a commitment to its operation.
      const one = await t.request('GET', `/sgar/register/commitments/${behind.body.rows[0].id}`, { token: sgar });
      const operation = await t.request('GET', one.body.operation.href, { token: sgar });
      expect(operation.body.commitments.map((c: { id: string }) => c.id)).toContain(behind.body.rows[0].id);
    }
    const filtered = await t.request('GET', '/sgar/totals?groupBy=arrondissement&financer=etat', { token: sgar });
    const all = await t.request('GET', '/sgar/totals?groupBy=financer', { token: sgar });
    expect(filtered.body.total.committed).toBe(all.body.rows.find((r: { financer: string }) => r.financer === 'etat').committed);
  });

  it('a CSV export re-adds exactly to the totals its view shows', async () => {
    for (const path of ['/sgar/totals?groupBy=financer,fundingLine,arrondissement', '/sgar/progress?by=arrondissement', '/sgar/totals/commitments?financer=etat']) {
      const view = await t.request('GET', path, { token: sgar });
      const csv = await fetch(`${t.baseUrl}${path}&format=csv`, { headers: { authorization: `Bearer ${sgar}` } });
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const text = (await csv.text()).replace(/^\ufeff/, '');
      const lines = text.split('\r\n');
      expect(lines[2]).toBe(`# position in the log: ${view.body.freshness.checkpoint}`);
      const records = parseCsvRecords(lines.filter((l) => !l.startsWith('#')).join('\n'), ';');
      expect(records).toHaveLength(view.body.rows.length);
      const cents = (column: string) => records.reduce((s, r) => s + Math.round(Number(r[column].replace(',', '.')) * 100), 0);
      const total = view.body.total;
      expect(cents('engagé (€)')).toBe(total.committed);
      expect(cents('reste à payer (€)')).toBe(total.resteAPayer);
      if ('paid' in total) expect(cents('payé (€)')).toBe(total.paid);
    }
  });

  it('progress per arrondissement and indicators against the 23,000 target', async () => {
    const progress = await t.request('GET', '/sgar/progress?by=arrondissement', { token: sgar });
    expect(progress.body.rows.map((r: { arrondissement: string }) => r.arrondissement).sort()).toEqual(['593', '596', '622', '625']);
    const lens = progress.body.rows.find((r: { arrondissement: string }) => r.arrondissement === '625');
    expect(lens).toMatchObject({ arrondissementName: 'Lens', promised: expect.any(Number), paidOfCommittedPercent: expect.any(Number) });
    const indicators = await t.request('GET', '/sgar/indicators', { token: sgar });
    const delivered = indicators.body.indicators.find((i: { indicator: string }) => i.indicator === 'dwellings-delivered');
    const [{ sum }] = await query(`SELECT sum(dwellings_delivered)::int AS sum FROM rm_habitat.operations`);
    expect(delivered).toMatchObject({ value: Number(sum), target: 23_000 });
    expect(Number(sum)).toBe(60 + 70 + 40 + 140);
  });

  it('the SGAR views are read by the SGAR, auditors and admins, not by domain editors', async () => {
    expect((await t.request('GET', '/sgar/totals', { token: t.token('auditor') })).status).toBe(200);
    expect((await t.request('GET', '/sgar/totals', { token: t.token('editor', 'habitat') })).status).toBe(403);
    expect((await t.request('GET', '/sgar/totals?groupBy=nope', { token: sgar })).body.field).toBe('groupBy');
  });
});
