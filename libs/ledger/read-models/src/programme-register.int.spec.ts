import type { DataSource } from 'typeorm';
import { type TestDatabase, openTestDatabase } from '@erbm/shared/event-store/testing';
import type { StoredEvent } from '@erbm/shared/event-store';
import { openReadModelDataSource, schemaDrift } from '@erbm/shared/projections';
import { PROGRAMME_ACTION_COMMITMENTS, PROGRAMME_AGREEMENTS, ProgrammeRegisterProjection, listActionCommitments, listAgreements } from './programme-register';

const stored = (streamName: string, revision: number, type: string, data: unknown): StoredEvent => ({
  id: `${streamName}-${revision}`,
  streamName,
  revision,
  type,
  schemaVersion: 1,
  data,
  position: String(revision),
  appendId: '1',
  recordedAt: '2024-01-10T10:00:00.000Z',
  envelope: { actor: { userId: 'u', role: 'admin', organisation: 'o' }, occurredAt: '2024-01-10' },
});

describe('the programme register', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const projection = new ProgrammeRegisterProjection();

  beforeAll(async () => {
    database = await openTestDatabase();
    dataSource = await openReadModelDataSource({
      db: database.db,
      databaseUrl: database.url,
      schema: projection.schema,
      entities: projection.entities,
      migrations: projection.migrations,
    });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  it('is what its migrations make: every table, column, type, nullability and primary key', async () => {
    expect(await schemaDrift(dataSource.manager, projection.schema, [PROGRAMME_AGREEMENTS, PROGRAMME_ACTION_COMMITMENTS])).toEqual([]);
  });

  it('folds each stream once, whatever is applied twice, and lists commitments of action late on a day', async () => {
    const signed = stored('agreement-erbm-2017', 0, 'programme.AgreementSigned', {
      agreementId: 'erbm-2017',
      title: 'ERBM',
      signedOn: '2017-03-07',
      periodFrom: '2017-03-07',
      periodTo: '2027-12-31',
      scope: 's',
    });
    const joined = stored('agreement-erbm-2017', 1, 'programme.SignatoryJoined', { party: 'etat', date: '2017-03-07' });
    const promised = stored('action-commitment-a1', 0, 'programme.ActionCommitmentPromised', {
      actionCommitmentId: 'a1',
      domain: 'habitat',
      party: 'cd62',
      what: 'Étude',
      promisedOn: '2024-01-10',
      dueDate: '2024-06-30',
    });
    const parked: unknown[] = [];
    const park = (_e: StoredEvent, error: unknown) => parked.push(error);
    await dataSource.transaction((m) => projection.apply([signed, joined, promised], m, park));
    await dataSource.transaction((m) => projection.apply([joined, promised], m, park));
    expect(parked).toEqual([]);
    const [agreement] = await listAgreements(dataSource);
    expect([agreement.id, agreement.revision, agreement.state.signatories]).toEqual(['erbm-2017', 1, [{ party: 'etat', from: '2017-03-07' }]]);
    expect((await listActionCommitments(dataSource, { lateOn: '2024-06-30' })).map((r) => r.id)).toEqual([]);
    expect((await listActionCommitments(dataSource, { lateOn: '2024-07-01', party: 'cd62' })).map((r) => r.id)).toEqual(['a1']);
    const done = stored('action-commitment-a1', 1, 'programme.ActionCommitmentCompleted', { date: '2024-07-02', evidence: { kind: 'other', reference: 'R' } });
    await dataSource.transaction((m) => projection.apply([done], m, park));
    expect(await listActionCommitments(dataSource, { lateOn: '2024-07-03' })).toEqual([]);
    expect((await listActionCommitments(dataSource, { status: 'done' }))[0]).toMatchObject({ id: 'a1', doneOn: '2024-07-02', evidence: { reference: 'R' } });
    // A gap in a stream is parked, not applied.
    await dataSource.transaction((m) =>
      projection.apply([stored('action-commitment-a2', 1, 'programme.ActionCommitmentAbandoned', { date: 'x', reason: 'r' })], m, park),
    );
    expect(parked).toHaveLength(1);
  });
});
