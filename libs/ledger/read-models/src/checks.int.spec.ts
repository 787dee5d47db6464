import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PostgresEventStore, type SqlExecutor, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, type ReadModelBreak, openReadModelDataSource, runReadModelChecks } from '@erbm/shared/projections';
import { type CommitmentCommand, type CommitmentEvent, commitmentStreamName, decideCommitment, foldCommitment } from '@erbm/ledger/domain';
import type { WithoutToday } from '@erbm/shared/kernel';
import { eventually } from '@erbm/shared/testing';
import { LedgerRegisterProjection } from './ledger-register.projection';

/** Each rule the ledger register declares, broken by one change made in SQL behind its back (and rolled back). */
describe("the ledger register's checks", () => {
  const projection = new LedgerRegisterProjection([]);
  let database: TestDatabase;
  let dataSource: DataSource;
  const ids = [randomUUID(), randomUUID()].sort();

  /** A commitment of 1,000.00 €, announced in one write and programmed and committed in a second: two row versions. */
  async function commitment(store: PostgresEventStore, id: string, fiscalYear: number) {
    const commands: WithoutToday<CommitmentCommand>[][] = [
      [
        {
          type: 'announce',
          commitmentId: id,
          operationId: `op-${id}`,
          domain: 'test',
          financer: 'etat',
          fundingLine: 'etat-p135',
          fiscalYear,
          amountCents: 1_000_00,
          date: '2023-01-10',
        },
      ],
      [
        { type: 'programme', amountCents: 1_000_00, date: '2023-02-01', decision: { meetingId: 'm', decisionId: 'd', date: '2023-02-01' } },
        { type: 'commit', amountCents: 1_000_00, date: '2023-03-01', legalAct: { kind: 'ej', reference: `EJ-${id}`, date: '2023-03-01' } },
      ],
    ];
    const events: CommitmentEvent[] = [];
    for (const [write, group] of commands.entries()) {
      const decided = group.flatMap((command) => {
        const out = decideCommitment({ ...command, today: command.date } as CommitmentCommand, foldCommitment(events));
        events.push(...out);
        return out;
      });
      await store.append(
        commitmentStreamName(id),
        decided.map((e) => testEvent(e.type, e.data)),
        write === 0 ? 'no_stream' : 0,
      );
    }
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateEventStore(database.db);
    const store = new PostgresEventStore(database.db);
    await commitment(store, ids[0], 2023);
    await commitment(store, ids[1], 2023);
    // A commit is read once every older transaction ended, other databases' too on a server: it waits for them all.
    await eventually(
      async () => {
        const [{ n }] = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events');
        expect(await store.countAfter(null)).toBe(n);
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    dataSource = await openReadModelDataSource({
      db: database.db,
      databaseUrl: database.url,
      schema: projection.schema,
      entities: projection.entities,
      migrations: projection.migrations,
    });
    await new ProjectionRunner(projection, store, dataSource).catchUp();
  }, 180_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  /** The breaks the checks find after `change`, which is then rolled back. */
  async function breaksAfter(change: (tx: SqlExecutor) => Promise<unknown>): Promise<Omit<ReadModelBreak, 'projection'>[]> {
    let found: ReadModelBreak[] = [];
    const rollback = new Error('rollback');
    await database.db
      .transaction(async (tx) => {
        await change(tx);
        found = (await runReadModelChecks(tx, [projection])).breaks;
        throw rollback;
      })
      .catch((error) => {
        if (error !== rollback) throw error;
      });
    return found.map(({ projection: _p, ...b }) => b);
  }
  const unplaced = { departement: '', epci: '', commune: '', contrat_de_ville: '', erbm: '', governance_body: '', dispositif: '', beneficiary: '' };
  const total = { financer: 'etat', domain: 'test', funding_line: 'etat-p135', arrondissement: '', fiscal_year: 2023, ...unplaced };
  const bucket = (id: string) => ({ id, funding_line: 'etat-p135', fiscal_year: 2023 });

  it('finds nothing in a register as the projection left it', async () => {
    const report = await runReadModelChecks(database.db, [projection]);
    expect(report).toMatchObject({ ok: true, checksRun: projection.checks.length, breaks: [], breaksFound: 0 });
    expect(Number((await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_ledger.commitment_versions'))[0].n)).toBe(4);
  });

  it('a total deleted, or one with nothing behind it', async () => {
    expect(await breaksAfter((tx) => tx.query('DELETE FROM rm_ledger.consolidated_totals'))).toEqual([
      { table: 'consolidated_totals', key: total, column: 'commitments', expected: '2', actual: null, reason: 'commitment rows with no consolidated total' },
    ]);
    expect(
      await breaksAfter((tx) =>
        tx.query(
          `INSERT INTO rm_ledger.consolidated_totals (financer, domain, funding_line, arrondissement, fiscal_year, commitments, committed) VALUES ('region', 'test', 'x', '', 2023, 1, 5)`,
        ),
      ),
    ).toEqual([
      {
        table: 'consolidated_totals',
        key: { ...total, financer: 'region', funding_line: 'x' },
        column: 'commitments',
        expected: null,
        actual: '1',
        reason: 'a consolidated total with no commitment row behind it',
      },
    ]);
  });

  it("a commitment row's column changed alone: each rule that reads it says so", async () => {
    const rule = "a commitment row's columns are those of the decider state stored with it";
    expect(await breaksAfter((tx) => tx.query('UPDATE rm_ledger.commitments SET warning_count = 3, status = $2 WHERE id = $1', [ids[1], 'closed']))).toEqual([
      { table: 'commitments', key: { id: ids[1] }, column: 'status', expected: 'committed', actual: 'closed', reason: rule },
      { table: 'commitments', key: { id: ids[1] }, column: 'warning_count', expected: '0', actual: '3', reason: rule },
      {
        table: 'commitment_versions',
        key: bucket(ids[1]),
        column: 'status',
        expected: 'closed',
        actual: 'committed',
        reason: "a bucket's open version is its row, and it has one",
      },
    ]);
    const moved = await breaksAfter((tx) => tx.query(`UPDATE rm_ledger.commitments SET arrondissement = '625' WHERE id = $1`, [ids[0]]));
    expect(moved.map((b) => [b.table, b.column, b.expected, b.actual, b.reason])).toEqual([
      ['commitment_buckets', 'arrondissement', '625', '', "a commitment's buckets are those of the decider state stored with it, on its axes"],
      ['commitments', 'arrondissement', '', '625', "a commitment row's place and operation name are its operation's location"],
    ]);
    // Its bucket moved alone: the totals, the bucket's commitment and its open version say so.
    const total = 'a consolidated total equals the sum of the commitment rows behind it';
    const bucketMoved = await breaksAfter((tx) => tx.query(`UPDATE rm_ledger.commitment_buckets SET epci = '200072460' WHERE id = $1`, [ids[0]]));
    expect(bucketMoved.map((b) => [b.table, b.column, b.expected, b.actual, b.reason])).toEqual([
      ['consolidated_totals', 'commitments', '1', '2', total],
      ...['announced', 'programmed', 'committed'].map((l) => ['consolidated_totals', l, '100000', '200000', total]),
      ['consolidated_totals', 'reste_a_payer', '100000', '200000', total],
      ['consolidated_totals', 'commitments', '1', null, 'commitment rows with no consolidated total'],
      ['commitment_buckets', 'epci', '', '200072460', "a commitment's buckets are those of the decider state stored with it, on its axes"],
      ['commitment_versions', 'epci', '200072460', '', "a bucket's open version is its row, and it has one"],
    ]);
  });

  it('a version deleted, or two left open, or ending where the next does not start', async () => {
    const open = "a bucket's open version is its row, and it has one";
    expect(await breaksAfter((tx) => tx.query('DELETE FROM rm_ledger.commitment_versions WHERE id = $1 AND to_txid IS NULL', [ids[0]]))).toEqual([
      {
        table: 'commitment_versions',
        key: bucket(ids[0]),
        column: 'open_versions',
        expected: '1',
        actual: null,
        reason: 'a bucket row with no open version',
      },
      {
        table: 'commitment_versions',
        key: expect.objectContaining({ id: ids[0] }),
        column: 'to_txid',
        expected: null,
        actual: expect.any(String),
        reason: 'a version of a bucket row ends where the next one starts',
      },
      expect.objectContaining({ column: 'to_gp' }),
      expect.objectContaining({ column: 'to_recorded_at' }),
    ]);
    const reopened = await breaksAfter((tx) => tx.query('UPDATE rm_ledger.commitment_versions SET to_txid = NULL, to_gp = NULL WHERE id = $1', [ids[1]]));
    expect(reopened.map((b) => [b.table, b.column, b.expected, b.actual])).toEqual([
      ['commitment_versions', 'open_versions', '1', '2'],
      ['commitment_versions', 'to_txid', expect.any(String), null],
      ['commitment_versions', 'to_gp', expect.any(String), null],
    ]);
    expect(reopened[0].reason).toBe(open);
  });
});
