import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PostgresEventStore, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, openReadModelDataSource, runReadModelChecks } from '@erbm/shared/projections';
import { type CommitmentCommand, type CommitmentEvent, commitmentStreamName, decideCommitment, foldCommitment } from '@erbm/ledger/domain';
import type { OperationPlace, WithoutToday } from '@erbm/shared/kernel';
import { loadReferentials } from '@erbm/shared/referentials';
import { eventually } from '@erbm/shared/testing';
import { LedgerRegisterProjection } from './ledger-register.projection';
import { type TotalRow, commitmentsBehind, consolidatedTotals, freshness } from './queries';
import { consolidatedTotalsKnownAt } from './versions';

/**
 * The register counts each fact in the year and on the line where it happened (ADR 0016), on the place of its
 * operation and the body that decided it: commitments written as the deciders decide, then projected.
 */
describe('the ledger register by year of the facts, funding line and place', () => {
  const PLACED = 'test.OperationPlaced';
  const projection = new LedgerRegisterProjection(
    [{ domain: 'test', types: [PLACED], locate: (e) => (e.type === PLACED ? (e.data as OperationPlace) : undefined) }],
    loadReferentials(),
  );
  let database: TestDatabase;
  let store: PostgresEventStore;
  let ds: DataSource;
  const histories = new Map<string, CommitmentEvent[]>();
  const ids = { carried: randomUUID(), moved: randomUUID(), corrected: randomUUID(), late: randomUUID() };
  const ops = { bethune: `op-${randomUUID()}`, lens: `op-${randomUUID()}`, nord: `op-${randomUUID()}` };
  let beforeCarryOver: string;

  /** Decides commands on the day each is dated and appends what they decide, in one write. */
  async function write(id: string, commands: WithoutToday<CommitmentCommand>[]) {
    const events = histories.get(id) ?? [];
    const before = events.length;
    for (const command of commands) events.push(...decideCommitment({ ...command, today: command.date } as CommitmentCommand, foldCommitment(events)));
    histories.set(id, events);
    await store.append(
      commitmentStreamName(id),
      events.slice(before).map((e) => testEvent(e.type, e.data)),
      before === 0 ? 'no_stream' : before - 1,
    );
  }

  const announce = (id: string, operationId: string, fiscalYear: number, amountCents: number): WithoutToday<CommitmentCommand> => ({
    type: 'announce',
    commitmentId: id,
    operationId,
    domain: 'test',
    financer: 'etat',
    fundingLine: 'etat-p135',
    fiscalYear,
    amountCents,
    date: `${fiscalYear}-01-10`,
  });
  const programme = (amountCents: number, date: string, body = 'copil'): WithoutToday<CommitmentCommand> => ({
    type: 'programme',
    amountCents,
    date,
    decision: { meetingId: `m-${body}`, decisionId: 'D1', date, body },
  });
  /** A decision cited without its body, as events written before decisions carried it: the meeting's record names it. */
  const DOUAI = `m-${randomUUID()}`;
  const programmeInDouai = (amountCents: number, date: string): WithoutToday<CommitmentCommand> => ({
    type: 'programme',
    amountCents,
    date,
    decision: { meetingId: DOUAI, decisionId: 'D1', date },
  });
  const commit = (amountCents: number, date: string): WithoutToday<CommitmentCommand> => ({
    type: 'commit',
    amountCents,
    date,
    legalAct: { kind: 'ej', reference: `EJ-${date}`, date },
  });
  const pay = (amountCents: number, date: string): WithoutToday<CommitmentCommand> => ({
    type: 'pay',
    amountCents,
    date,
    kind: 'advance',
    reference: `DP-${date}`,
  });

  async function project() {
    // A commit is read once every older transaction ended, other databases' too on a server: it waits for them all.
    await eventually(
      async () => {
        const [{ n }] = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events');
        expect(await store.countAfter(null)).toBe(n);
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    await new ProjectionRunner(projection, store, ds, { batchSize: 3 }).catchUp();
  }

  const place = (data: OperationPlace) => store.append(`test.operation-${data.operationId}`, [testEvent(PLACED, { ...data, date: '2022-01-05' })], 'no_stream');
  const byYear = (rows: TotalRow[]) => Object.fromEntries(rows.map(({ fiscalYear, ...r }) => [fiscalYear, r]));

  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateEventStore(database.db);
    store = new PostgresEventStore(database.db);
    ds = await openReadModelDataSource({
      db: database.db,
      databaseUrl: database.url,
      schema: projection.schema,
      entities: projection.entities,
      migrations: projection.migrations,
    });
    // Placed by its commune alone: its arrondissement, département, EPCI and perimeter are derived.
    await place({ operationId: ops.bethune, name: 'Cité des Brebis', communeInsee: '62119' });
    // Placed by its EPCI alone (CA de Lens-Liévin), in a contrat de ville.
    await place({ operationId: ops.lens, name: 'Cité 12', epci: '246200364', contratDeVille: 'CV-LENS' });
    // Placed by its département alone, under a dispositif of its domain.
    await place({ operationId: ops.nord, name: 'Poste adulte-relais', departement: '59', dispositif: 'adultes-relais' });

    await write(ids.carried, [announce(ids.carried, ops.bethune, 2022, 1_000_00), programme(1_000_00, '2022-02-01'), commit(1_000_00, '2022-03-01')]);
    await write(ids.carried, [pay(300_00, '2022-06-01')]);
    await write(ids.moved, [
      announce(ids.moved, ops.lens, 2022, 500_00),
      programme(500_00, '2022-02-01', 'comite-partenarial-625'),
      commit(500_00, '2022-03-01'),
      pay(100_00, '2022-05-01'),
    ]);
    await store.append(
      `meeting-${DOUAI}`,
      [testEvent('governance.MeetingHeld', { meetingId: DOUAI, body: 'comite-partenarial-593', date: '2022-02-01', place: 'Douai' })],
      'no_stream',
    );
    await write(ids.corrected, [announce(ids.corrected, ops.nord, 2022, 400_00), programmeInDouai(400_00, '2022-02-01'), commit(400_00, '2022-03-01')]);
    await write(ids.corrected, [pay(200_00, '2022-06-01')]);
    // Announced and programmed for 2022, committed on 5 January 2023.
    await write(ids.late, [announce(ids.late, ops.nord, 2022, 250_00), programmeInDouai(250_00, '2022-02-01'), commit(250_00, '2023-01-05')]);
    await project();
    beforeCarryOver = (await freshness(ds, projection.name)).checkpoint as string;

    await write(ids.carried, [{ type: 'carryOver', toFiscalYear: 2023, date: '2022-12-31', reason: 'report de crédits' }]);
    await write(ids.moved, [{ type: 'changeFundingLine', fundingLine: 'etat-p147', date: '2022-09-01', reason: 'changement de programme' }]);
    // The 2022 payment of 200 € was 150 €: corrected in 2023.
    await write(ids.corrected, [{ type: 'correct', revision: 3, amountCents: 150_00, date: '2023-02-10', reason: 'erreur de saisie' }]);
    await project();
  }, 180_000);

  afterAll(async () => {
    await ds?.destroy();
    await database.drop();
  });

  it('paid in 2022, carried over to 2023: the 2022 payment stays in 2022, the reste à payer moves to 2023', async () => {
    const { rows } = await consolidatedTotals(ds, ['fiscalYear'], { commune: '62119' });
    expect(byYear(rows)).toEqual({
      2022: expect.objectContaining({ commitmentCount: 1, announced: 1_000_00, programmed: 1_000_00, committed: 300_00, paid: 300_00, resteAPayer: 0 }),
      2023: expect.objectContaining({ commitmentCount: 1, announced: 0, committed: 700_00, paid: 0, resteAPayer: 700_00 }),
    });
    // The commitment's own row: its current fiscal year, and all its ledgers.
    const [own] = (await ds.query(`SELECT fiscal_year, committed::int, paid::int FROM rm_ledger.commitments WHERE id = $1`, [ids.carried])) as Record<
      string,
      number
    >[];
    expect(own).toEqual({ fiscal_year: 2023, committed: 1_000_00, paid: 300_00 });
  });

  it('as known before the carry-over, the whole reste à payer was in 2022; as known now, in 2023', async () => {
    const before = await consolidatedTotalsKnownAt(ds, ['fiscalYear'], { commune: '62119' }, { checkpoint: beforeCarryOver });
    expect(byYear(before.rows)).toEqual({ 2022: expect.objectContaining({ committed: 1_000_00, paid: 300_00, resteAPayer: 700_00 }) });
    const now = await consolidatedTotalsKnownAt(
      ds,
      ['fiscalYear'],
      { commune: '62119' },
      { checkpoint: (await freshness(ds, projection.name)).checkpoint as string },
    );
    expect(now).toEqual(await consolidatedTotals(ds, ['fiscalYear'], { commune: '62119' }));
  });

  it('a change of funding line moves the reste à payer to the new line; the payment made stays on the old one', async () => {
    const { rows } = await consolidatedTotals(ds, ['fundingLine', 'fiscalYear'], { epci: '246200364' });
    expect(rows).toEqual([
      expect.objectContaining({ fundingLine: 'etat-p135', fiscalYear: 2022, committed: 100_00, paid: 100_00, resteAPayer: 0, programmed: 500_00 }),
      expect.objectContaining({ fundingLine: 'etat-p147', fiscalYear: 2022, committed: 400_00, paid: 0, resteAPayer: 400_00 }),
    ]);
  });

  it('a correction of a 2022 payment recorded in 2023 counts in 2022', async () => {
    const behind = await commitmentsBehind(ds, { fiscalYear: 2022, dispositif: 'adultes-relais' }, { limit: 10, offset: 0 });
    expect(behind.rows.find((r) => r.id === ids.corrected)).toMatchObject({ fiscalYear: 2022, paid: 150_00, committed: 400_00, resteAPayer: 250_00 });
    const later = await commitmentsBehind(ds, { fiscalYear: 2023, dispositif: 'adultes-relais' }, { limit: 10, offset: 0 });
    expect(later.rows.map((r) => r.id)).toEqual([ids.late]);
  });

  it('a fact dated in another year than the fiscal year counts in the year of its date', async () => {
    const { rows } = await consolidatedTotals(ds, ['fiscalYear'], { departement: '59' });
    expect(byYear(rows)).toEqual({
      2022: expect.objectContaining({ commitmentCount: 2, announced: 650_00, programmed: 650_00, committed: 400_00, paid: 150_00 }),
      2023: expect.objectContaining({ commitmentCount: 1, announced: 0, committed: 250_00, resteAPayer: 250_00 }),
    });
  });

  it('each year, the drill-down re-adds to its total, each row the bucket of that year', async () => {
    const { rows } = await consolidatedTotals(ds, ['fiscalYear'], {});
    expect(rows.map((r) => r.fiscalYear)).toEqual([2022, 2023]);
    for (const row of rows) {
      const behind = await commitmentsBehind(ds, { fiscalYear: row.fiscalYear }, { limit: 100, offset: 0 });
      const { fiscalYear: _year, ...amounts } = row;
      expect(behind.total).toEqual(amounts);
      expect(behind.rows.every((r) => r.fiscalYear === row.fiscalYear)).toBe(true);
      expect(behind.rows.reduce((sum, r) => sum + r.paid, 0)).toBe(row.paid);
    }
    // Over every year, the totals are the commitments' ledgers.
    const [sums] = (await ds.query(`SELECT sum(committed)::int AS committed, sum(paid)::int AS paid FROM rm_ledger.commitments`)) as Record<string, number>[];
    const all = await consolidatedTotals(ds, [], {});
    expect([all.total.committed, all.total.paid]).toEqual([sums.committed, sums.paid]);
  });

  it('groups and filters by the place derived from a commune, an EPCI or a département, and by the body that decided', async () => {
    const byPlace = await consolidatedTotals(ds, ['departement', 'arrondissement', 'epci', 'commune', 'erbm'], {});
    expect(byPlace.rows.map((r) => [r.departement, r.arrondissement, r.epci, r.commune, r.erbm, r.committed])).toEqual([
      ['59', '', '', '', '', 650_00],
      ['62', '622', '200072460', '62119', 'oui', 1_000_00],
      // Placed by its EPCI alone: every member commune of CA Lens-Liévin lies in the arrondissement of Lens.
      ['62', '627', '246200364', '', 'oui', 500_00],
    ]);
    const byBody = await consolidatedTotals(ds, ['governanceBody'], {});
    expect(byBody.rows.map((r) => [r.governanceBody, r.announced])).toEqual([
      ['comite-partenarial-593', 650_00],
      ['comite-partenarial-625', 500_00],
      ['copil', 1_000_00],
    ]);
    // What is not known is '' and can be asked for: operations outside any known perimeter.
    const unknown = await commitmentsBehind(ds, { erbm: '' }, { limit: 100, offset: 0 });
    expect(new Set(unknown.rows.map((r) => r.id))).toEqual(new Set([ids.corrected, ids.late]));
    // A commitment counts once in each bucket it has: the one carried over in 2022 and 2023, the one moved on two lines.
    const cv = await consolidatedTotals(ds, ['contratDeVille', 'dispositif'], { erbm: 'oui' });
    expect(cv.rows.map((r) => [r.contratDeVille, r.dispositif, r.commitmentCount, r.committed])).toEqual([
      ['', '', 2, 1_000_00],
      ['CV-LENS', '', 2, 500_00],
    ]);
  });

  it("keeps every rule between the register's tables", async () => {
    expect(await runReadModelChecks(database.db, [projection])).toMatchObject({ ok: true, breaks: [] });
  });
});
