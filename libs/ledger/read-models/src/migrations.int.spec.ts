import { randomUUID } from 'node:crypto';
import { PostgresEventStore, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, openReadModelDataSource, runReadModelChecks } from '@erbm/shared/projections';
import { type CommitmentCommand, type CommitmentEvent, commitmentStreamName, decideCommitment, foldCommitment } from '@erbm/ledger/domain';
import type { WithoutToday } from '@erbm/shared/kernel';
import { eventually } from '@erbm/shared/testing';
import { LedgerRegisterProjection } from './ledger-register.projection';
import { CommitmentStorage1732200000005, LedgerRegister1732200000001 } from './migrations';
import { consolidatedTotals } from './queries';
import { CommitmentVersions1732200000004 } from './versions';

/** A register filed the old way (a commitment's whole ledgers under its current year) is refilled from the log. */
describe('the migration to the register by year of the facts', () => {
  const projection = new LedgerRegisterProjection([]);
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateEventStore(database.db);
  });
  afterAll(() => database.drop());

  it('empties what was filed under the current year and line, and the projection refills it from the old events', async () => {
    const store = new PostgresEventStore(database.db);
    const id = randomUUID();
    const commands: WithoutToday<CommitmentCommand>[] = [
      {
        type: 'announce',
        commitmentId: id,
        operationId: 'op',
        domain: 'test',
        financer: 'etat',
        fundingLine: 'etat-p135',
        fiscalYear: 2022,
        amountCents: 1_000_00,
        date: '2022-01-10',
      },
      { type: 'programme', amountCents: 1_000_00, date: '2022-02-01', decision: { meetingId: 'm', decisionId: 'd', date: '2022-02-01' } },
      { type: 'commit', amountCents: 1_000_00, date: '2022-03-01', legalAct: { kind: 'ej', reference: 'EJ-1', date: '2022-03-01' } },
      { type: 'pay', amountCents: 300_00, date: '2022-06-01', kind: 'advance', reference: 'DP-1' },
      { type: 'carryOver', toFiscalYear: 2023, date: '2022-12-31', reason: 'report' },
    ];
    const events: CommitmentEvent[] = [];
    for (const command of commands) events.push(...decideCommitment({ ...command, today: command.date } as CommitmentCommand, foldCommitment(events)));
    await store.append(
      commitmentStreamName(id),
      events.map((e) => testEvent(e.type, e.data)),
      'no_stream',
    );
    await eventually(async () => expect(await store.countAfter(null)).toBe(events.length), { timeoutMs: 120_000, intervalMs: 100 });
    const head = await store.head();

    // The register as the code before this migration left it: the 2022 payment filed under 2023, the log read to its head.
    const old = await openReadModelDataSource({
      db: database.db,
      databaseUrl: database.url,
      schema: projection.schema,
      entities: [],
      migrations: [LedgerRegister1732200000001, CommitmentVersions1732200000004, CommitmentStorage1732200000005],
    });
    await old.query(
      `INSERT INTO rm_ledger.consolidated_totals (financer, domain, funding_line, arrondissement, fiscal_year, commitments, committed, paid, reste_a_payer)
       VALUES ('etat', 'test', 'etat-p135', '', 2023, 1, 100000, 30000, 70000)`,
    );
    await old.query(`INSERT INTO rm_ledger.projection_state (projection, checkpoint, events_applied) VALUES ($1, $2, $3)`, [
      projection.name,
      head,
      events.length,
    ]);
    await old.destroy();

    const ds = await openReadModelDataSource({
      db: database.db,
      databaseUrl: database.url,
      schema: projection.schema,
      entities: [],
      migrations: projection.migrations,
    });
    try {
      expect(await ds.query(`SELECT count(*)::int AS n FROM rm_ledger.consolidated_totals`)).toEqual([{ n: 0 }]);
      expect(await ds.query(`SELECT checkpoint FROM rm_ledger.projection_state`)).toEqual([]);
      await new ProjectionRunner(projection, store, ds).catchUp();
      const { rows } = await consolidatedTotals(ds, ['fiscalYear'], {});
      expect(rows.map((r) => [r.fiscalYear, r.committed, r.paid, r.resteAPayer])).toEqual([
        [2022, 300_00, 300_00, 0],
        [2023, 700_00, 0, 700_00],
      ]);
      expect(await runReadModelChecks(database.db, [projection])).toMatchObject({ ok: true, breaks: [] });
    } finally {
      await ds.destroy();
    }
  }, 180_000);
});
