import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { ProjectionRunner, rebuildProjection } from '@erbm/shared/projections';
import { parseCsvRecords } from '@erbm/shared/referentials';
import { dumpReadModels, logSettled } from '@erbm/shared/testing';
import { DOMAINS } from '@erbm/domains';
import { type GeneratedOperation, generateOperations, projections, TOTALS_MISMATCH_SQL, withReadModels } from './testing';

describe('projections: the read models from the global log', () => {
  const [domain] = DOMAINS;
  let t: TestApp;
  let readModels: ReadModels;
  let sgar: string;
  let generated: GeneratedOperation[];
  let demoCommitments: number;
  let carried: { id: string; fiscalYear: number; committed: number };
  const query = (sql: string) => t.database.db.query<Record<string, unknown>>(sql);
  const announced = async () => Number((await query(`SELECT count(*)::int AS n FROM event_store.events WHERE type = 'ledger.CommitmentAnnounced'`))[0].n);
  const health = async () => (await t.request('GET', '/health/projections', { token: null })).body.projections as Record<string, number & string>[];
  /** Registers the domain's sample operation through its API; answers the events its stream then holds. */
  async function registerOperation(name: string) {
    const res = await t.request('POST', `/${domain.name}/operations`, {
      body: domain.samples.operationRequest({ name, communeInsee: '62119', date: '2023-03-01' }),
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, events: await t.store.readStream(domain.operations.streamName(res.body.id)) };
  }

  /** Every event written so far, readable from the log (see logSettled): what a test reads next counts all of them. */
  const settled = () => logSettled(t.database.db);

  /** Runs each projection to the head in small batches, so that many batches and their checkpoints are exercised. */
  async function project(batchSize = 7) {
    await settled();
    for (const p of projections()) await new ProjectionRunner(p, t.store, readModels.dataSource(p.name), { batchSize }).catchUp();
  }

  beforeAll(async () => {
    t = await startTestApp(withReadModels);
    readModels = t.app.get(ReadModels);
    sgar = t.token('sgar');
    for (const d of DOMAINS) await d.seedDemo?.(t.app.get(CommandBus));
    demoCommitments = await announced();
    generated = await generateOperations(t.store, 20);
    // Facts that move rows between totals: a correction, then a carry-over to the next fiscal year.
    const path = `/${generated[0].domain.name}/commitments/${generated[0].commitmentIds[0]}`;
    const commitment = (await t.request('GET', path)).body;
    const corrected = await t.request('POST', `${path}/correct`, {
      body: { revision: 2, amountCents: commitment.ledgers.committed + 1_00, date: '2023-01-01', reason: 'erreur de saisie' },
    });
    expect(corrected.status).toBe(200);
    const carriedOver = await t.request('POST', `${path}/carry-over`, {
      body: { toFiscalYear: commitment.fiscalYear + 1, date: '2023-12-31', reason: 'report' },
    });
    expect(carriedOver.status).toBe(200);
    carried = { id: commitment.id, fiscalYear: commitment.fiscalYear + 1, committed: commitment.ledgers.committed + 1_00 };
    await project();
  });
  afterAll(() => t.close());

  it('every consolidated total equals the sum of the commitment rows behind it', async () => {
    expect(await query(TOTALS_MISMATCH_SQL)).toEqual([]);
    const [{ n }] = await query('SELECT count(*)::int AS n FROM rm_ledger.commitments');
    expect(Number(n)).toBe(demoCommitments + 60);
    // The commitment carried over is of the next fiscal year; its totals moved there only what was left to pay.
    const [row] = await query(`SELECT fiscal_year, committed::text, paid::text FROM rm_ledger.commitments WHERE id = '${carried.id}'`);
    expect([row.fiscal_year, Number(row.committed)]).toEqual([carried.fiscalYear, carried.committed]);
    const buckets = await query(
      `SELECT fiscal_year, committed::text, paid::text FROM rm_ledger.commitment_buckets WHERE id = '${carried.id}' ORDER BY fiscal_year`,
    );
    expect(buckets.map((b) => [b.fiscal_year, Number(b.committed), Number(b.paid)])).toEqual([
      [carried.fiscalYear - 1, Number(row.paid), Number(row.paid)],
      [carried.fiscalYear, carried.committed - Number(row.paid), 0],
    ]);
  });

  it('keeps one version of a commitment per transaction: the events of one append were never seen apart', async () => {
    expect(await query(`SELECT id, funding_line, fiscal_year, from_txid FROM rm_ledger.commitment_versions GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`)).toEqual(
      [],
    );
    // Each generated commitment was written in one append of 3 to 5 events, then located by its operation's append: two
    // versions (one moved by a correction, a carry-over or a move has more); the demo's, written command by command,
    // have one version per command.
    const perCommitment = await query(`SELECT count(DISTINCT from_txid)::int AS versions FROM rm_ledger.commitment_versions GROUP BY id`);
    expect(perCommitment.filter((r) => r.versions === 2).length).toBeGreaterThanOrEqual(60 - 6);
    expect(perCommitment.some((r) => (r.versions as number) > 3)).toBe(true);
  });

  it('a rebuild from zero equals the live projection, row for row', async () => {
    const live = await dumpReadModels(projections(), query);
    expect(live['rm_ledger.commitments'].length).toBeGreaterThan(0);
    for (const p of projections()) await rebuildProjection(p, t.store, { db: t.database.db, databaseUrl: t.database.url, batchSize: 1_000 });
    expect(await dumpReadModels(projections(), query)).toEqual(live);
  });

  it('a poisoned event is parked with its error, the rest goes on, and health reports it', async () => {
    const appliedBefore = Object.fromEntries((await health()).map((p) => [p.projection, p.eventsApplied]));
    await settled();
    const from = await t.store.head();
    const poisoned = randomUUID();
    // A payment on a commitment that was never announced: no projection can apply it.
    await t.store.append(
      `commitment-${poisoned}`,
      [
        {
          id: randomUUID(),
          type: 'ledger.PaymentMade',
          schemaVersion: 1,
          data: { amountCents: 100, kind: 'advance', reference: 'x', date: '2023-01-01' },
          envelope: { actor: { userId: 'u', role: 'admin', organisation: 'o' }, occurredAt: '2023-01-01' },
        },
      ],
      'no_stream',
    );
    // Then facts for every projection: a payment for the ledger register, an operation for its domain's read models, a
    // beneficiary for theirs.
    const { domain: payer, commitmentIds } = generated[2];
    const paid = await t.request('POST', `/${payer.name}/commitments/${commitmentIds[0]}/pay`, {
      body: { amountCents: 1_00, kind: 'interim', reference: 'DP-after', date: '2023-02-01' },
    });
    expect(paid.status).toBe(200);
    await registerOperation('Opération après le fait empoisonné');
    expect((await t.request('POST', '/beneficiaries', { body: { legalName: 'Bénéficiaire après le fait empoisonné', kind: 'unknown' } })).status).toBe(201);
    // a meeting for the governance register.
    const met = await t.request('POST', '/meetings', { body: { body: 'copil', date: '2023-02-01', place: 'Lille' } });
    expect(met.status).toBe(201);
    // and a commitment of action for the programme register.
    const promised = await t.request('POST', `/${domain.name}/action-commitments`, {
      body: { party: 'cd59', what: 'Livrer une étude', promisedOn: '2023-01-16', dueDate: '2023-06-30' },
    });
    expect(promised.status).toBe(201);
    await settled();
    const after = (await t.store.readAll(from, 1_000)).events;
    await project();
    const parked = await query(`SELECT type, stream_name, error FROM rm_ledger.parked_events`);
    expect(parked).toEqual([
      { type: 'ledger.PaymentMade', stream_name: `commitment-${poisoned}`, error: expect.stringContaining('before the commitment was announced') },
    ]);
    const [row] = await query(`SELECT paid::text FROM rm_ledger.commitments WHERE id = '${commitmentIds[0]}'`);
    expect(Number(row.paid)).toBe(paid.body.ledgers.paid);
    // Each projection went past it through every later event it handles (its count is of those applied or parked).
    const handled = Object.fromEntries(projections().map((p) => [p.name, after.filter((e) => p.handles.has(e.type)).length]));
    expect(Object.values(handled).every((n) => n > 0)).toBe(true);
    const status = (await t.request('GET', '/health/projections', { token: null })).body;
    expect(
      Object.fromEntries(
        status.projections.map((p: { projection: string; eventsApplied: number }) => [p.projection, p.eventsApplied - appliedBefore[p.projection]]),
      ),
    ).toEqual(handled);
    expect(status.status).toBe('degraded');
    expect(status.projections.find((p: { projection: string }) => p.projection === 'ledger-register')).toMatchObject({
      parkedEvents: 1,
      lagEvents: 0,
      lagSeconds: 0,
    });
    const metrics = await fetch(`${t.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toContain('erbm_projection_parked_events{projection="ledger-register"} 1');
  });

  it('health reports the lag of every projection while events wait, in events and in seconds', async () => {
    const { events } = await registerOperation('Opération en attente');
    await settled();
    const waiting = await health();
    expect(waiting.map((p) => p.projection)).toEqual(projections().map((p) => p.name));
    for (const p of waiting) {
      expect([p.projection, p.lagEvents]).toEqual([p.projection, events.length]);
      expect(p.lagSeconds).toBeGreaterThanOrEqual(0);
      expect(p.checkpoint).not.toBe(p.head);
    }
    await project();
    expect((await health()).map((p) => [p.projection, p.lagEvents, p.checkpoint === p.head])).toEqual(waiting.map((p) => [p.projection, 0, true]));
  });

  it('sgar totals along any axes, filtered, with drill-down whose sum is the total, and freshness', async () => {
    const view = await t.request('GET', `/sgar/totals?groupBy=financer,arrondissement,fiscalYear&domain=${domain.name}`, { token: sgar });
    expect(view.status).toBe(200);
    const [{ checkpoint }] = await query(`SELECT checkpoint FROM rm_ledger.projection_state`);
    expect(view.body.freshness).toMatchObject({ projection: 'ledger-register', checkpoint });
    expect(view.headers.get('x-erbm-checkpoint')).toBe(checkpoint);
    const rows = view.body.rows as Record<string, number & string>[];
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows.slice(0, 6)) {
      const q = `financer=${row.financer}&arrondissement=${row.arrondissement}&fiscalYear=${row.fiscalYear}&domain=${domain.name}`;
      const behind = await t.request('GET', `/sgar/totals/commitments?${q}`, { token: sgar });
      expect(behind.body.total).toEqual({
        commitmentCount: row.commitmentCount,
        announced: row.announced,
        programmed: row.programmed,
        committed: row.committed,
        certified: row.certified,
        ordered: row.ordered,
        paid: row.paid,
        released: row.released,
        recovered: row.recovered,
        resteAPayer: row.resteAPayer,
      });
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
    for (const path of [
      '/sgar/totals?groupBy=financer,fundingLine,arrondissement',
      '/sgar/progress?by=arrondissement',
      '/sgar/totals/commitments?financer=etat',
    ]) {
      const view = await t.request('GET', path, { token: sgar });
      const csv = await fetch(`${t.baseUrl}${path}&format=csv`, { headers: { authorization: `Bearer ${sgar}` } });
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const text = (await csv.text()).replace(/^\ufeff/, '');
      const lines = text.split('\r\n');
      expect(lines[2]).toBe(`# position dans le journal: ${view.body.freshness.checkpoint}`);
      const records = parseCsvRecords(lines.filter((l) => !l.startsWith('#')).join('\n'), ';');
      expect(records).toHaveLength(view.body.rows.length);
      const cents = (column: string) => records.reduce((s, r) => s + Math.round(Number(r[column].replace(',', '.')) * 100), 0);
      const total = view.body.total;
      expect(cents('engagé (€)')).toBe(total.committed);
      expect(cents('reste à payer (€)')).toBe(total.resteAPayer);
      if ('paid' in total) expect(cents('payé (€)')).toBe(total.paid);
    }
  });

  it('totals by the year of the facts re-add to their drill-down, year by year, in JSON and CSV', async () => {
    const years = (await t.request('GET', '/sgar/totals?groupBy=fiscalYear', { token: sgar })).body.rows as Record<string, number>[];
    expect(years.length).toBeGreaterThan(2);
    for (const year of years) {
      const path = `/sgar/totals/commitments?fiscalYear=${year.fiscalYear}&limit=10000`;
      const behind = (await t.request('GET', path, { token: sgar })).body;
      const { fiscalYear: _y, ...amounts } = year;
      expect(behind.total).toEqual(amounts);
      expect(behind.rows.every((r: { fiscalYear: number }) => r.fiscalYear === year.fiscalYear)).toBe(true);
      const csv = await fetch(`${t.baseUrl}${path}&format=csv`, { headers: { authorization: `Bearer ${sgar}` } }).then((r) => r.text());
      const records = parseCsvRecords(
        csv
          .replace(/^\ufeff/, '')
          .split('\r\n')
          .filter((l) => !l.startsWith('#'))
          .join('\n'),
        ';',
      );
      const cents = (column: string) => records.reduce((sum, r) => sum + Math.round(Number(r[column].replace(',', '.')) * 100), 0);
      expect([cents('payé (€)'), cents('engagé (€)')]).toEqual([year.paid, year.committed]);
    }
    // The commitment carried over counts in both years, its payment in the first only.
    const carriedRows = async (fiscalYear: number) =>
      (
        (await t.request('GET', `/sgar/totals/commitments?fiscalYear=${fiscalYear}&limit=10000`, { token: sgar })).body.rows as Record<string, unknown>[]
      ).filter((r) => r.id === carried.id);
    expect(await carriedRows(carried.fiscalYear - 1)).toEqual([expect.objectContaining({ paid: expect.any(Number) })]);
    expect(await carriedRows(carried.fiscalYear)).toEqual([expect.objectContaining({ paid: 0, fiscalYear: carried.fiscalYear })]);
    // The auditors' lineage shows the same buckets.
    const lineage = (await t.request('GET', `/audit/lineage/commitment/${carried.id}`, { token: t.token('auditor') })).body;
    expect(lineage.commitment.buckets.map((b: { fiscalYear: number; resteAPayer: number }) => b.fiscalYear)).toEqual([
      carried.fiscalYear - 1,
      carried.fiscalYear,
    ]);
    expect(lineage.commitment.buckets[1].ledgers.committed).toBe((await carriedRows(carried.fiscalYear))[0].committed);
  });

  it('groups, filters and measures progress along the place and the body that decided, with their names', async () => {
    const places = await t.request('GET', '/sgar/totals?groupBy=departement,epci,commune,erbm', { token: sgar });
    expect(places.status).toBe(200);
    const douai = places.body.rows.find((r: { commune: string }) => r.commune === '59178');
    expect(douai).toMatchObject({
      departement: '59',
      departementName: expect.any(String),
      epci: '200044618',
      epciName: expect.stringContaining('Douaisis'),
      erbm: 'oui',
      communeName: 'Douai',
    });
    const filtered = await t.request('GET', '/sgar/totals?groupBy=financer&epci=200044618', { token: sgar });
    const inDouaisis = places.body.rows.filter((r: { epci: string }) => r.epci === '200044618');
    expect(inDouaisis.length).toBeGreaterThan(0);
    expect(filtered.body.total.committed).toBe(inDouaisis.reduce((sum: number, r: { committed: number }) => sum + r.committed, 0));
    const bodies = await t.request('GET', '/sgar/progress?by=governanceBody', { token: sgar });
    expect(bodies.status).toBe(200);
    // The demo's decisions were taken by named bodies; the generated ones cite a meeting never recorded: ''.
    expect(bodies.body.rows.map((r: { governanceBody: string }) => r.governanceBody)).toContain('');
    expect(bodies.body.rows.find((r: { governanceBody: string }) => r.governanceBody === 'comite-partenarial-625')).toMatchObject({
      governanceBodyName: expect.stringContaining('Lens'),
      committed: expect.any(Number),
    });
    const byDepartement = await fetch(`${t.baseUrl}/sgar/progress?by=departement&format=csv`, { headers: { authorization: `Bearer ${sgar}` } });
    expect(byDepartement.headers.get('content-type')).toContain('text/csv');
    expect(await byDepartement.text()).toContain('nom du département');
    expect((await t.request('GET', '/sgar/progress?by=nope', { token: sgar })).body.field).toBe('by');
  });

  it("progress per arrondissement, and each domain's indicators against their targets as the domain reads them", async () => {
    const progress = await t.request('GET', '/sgar/progress?by=arrondissement', { token: sgar });
    expect(progress.body.rows.map((r: { arrondissement: string }) => r.arrondissement).sort()).toEqual(['593', '596', '622', '627']);
    const lens = progress.body.rows.find((r: { arrondissement: string }) => r.arrondissement === '627');
    expect(lens).toMatchObject({ arrondissementName: 'Lens', announced: expect.any(Number), paidOfCommittedPercent: expect.any(Number) });
    const indicators = (await t.request('GET', '/sgar/indicators', { token: sgar })).body;
    for (const d of DOMAINS) {
      const values = await d.indicators.read(readModels.dataSource(d.indicators.projection));
      const byArrondissement = indicators.byArrondissement.filter((r: { domain: string }) => r.domain === d.name);
      expect(byArrondissement.map((r: Record<string, unknown>) => [r.indicator, r.arrondissement, r.value])).toEqual(
        values.map((v) => [v.indicator, v.arrondissement, v.value]),
      );
      const sum = (code: string) => values.filter((v) => v.indicator === code).reduce((s, v) => s + v.value, 0);
      expect(indicators.indicators.filter((i: { domain: string }) => i.domain === d.name)).toEqual(
        d.indicators.definitions.map((def) => expect.objectContaining({ indicator: def.code, value: sum(def.code), target: def.target })),
      );
    }
    // The demo and the generated operations moved some: a view that read nothing would not pass.
    expect(indicators.indicators.some((i: { value: number }) => i.value > 0)).toBe(true);
  });

  it('a checkpoint of another log: health names the projection refused, readiness is 503, no lag is measured from it', async () => {
    const [first] = projections();
    const schema = `"${first.schema}"`;
    const [{ log_id: tag }] = await query(`SELECT log_id FROM ${schema}.projection_state`);
    expect(tag).toBe(await t.store.logId());
    // As after ERBM_EVENT_STORE changed without a rebuild: the checkpoint is a position of another store's log.
    await query(`UPDATE ${schema}.projection_state SET log_id = 'eventstoredb:another-log'`);
    try {
      const status = (await t.request('GET', '/health/projections', { token: null })).body;
      expect(status.status).toBe('degraded');
      const refused = status.projections.find((p: { projection: string }) => p.projection === first.name);
      expect(refused).toMatchObject({ checkpointLog: 'eventstoredb:another-log', lagEvents: null, lagSeconds: null });
      expect(refused.refusal).toContain(`« eventstoredb:another-log », mais le magasin en service est « ${await t.store.logId()} »`);
      expect(refused.refusal).toContain(`npm run rebuild -- --projection ${first.name}`);
      const ready = await t.request('GET', '/health/ready', { token: null });
      expect(ready.status).toBe(503);
      expect(ready.body.down).toEqual(['projections']);
      const metrics = await fetch(`${t.baseUrl}/metrics`).then((r) => r.text());
      expect(metrics).not.toContain(`erbm_projection_lag_events{projection="${first.name}"}`);
      await expect(new ProjectionRunner(first, t.store, readModels.dataSource(first.name)).catchUp()).rejects.toThrow(/npm run rebuild/);
    } finally {
      await query(`UPDATE ${schema}.projection_state SET log_id = '${tag}'`);
    }
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
  });

  it('the SGAR views are read by the SGAR, auditors and admins, not by domain editors', async () => {
    expect((await t.request('GET', '/sgar/totals', { token: t.token('auditor') })).status).toBe(200);
    for (const d of DOMAINS) expect((await t.request('GET', '/sgar/totals', { token: t.token('editor', d.name) })).status).toBe(403);
    expect((await t.request('GET', '/sgar/totals?groupBy=nope', { token: sgar })).body.field).toBe('groupBy');
  });
});
