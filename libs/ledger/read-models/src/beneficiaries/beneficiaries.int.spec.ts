import type { DataSource } from 'typeorm';
import { PostgresEventStore, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, openReadModelDataSource, schemaDrift } from '@erbm/shared/projections';
import { logSettled } from '@erbm/shared/testing';
import { type BeneficiaryEvent, beneficiaryStreamName, siretClaimStreamName } from '@erbm/ledger/domain';
import { BENEFICIARY_ROWS, BeneficiariesProjection, beneficiaryNames, listBeneficiaries } from './beneficiaries.projection';

describe('the beneficiaries read model', () => {
  const projection = new BeneficiariesProjection();
  let database: TestDatabase;
  let dataSource: DataSource;
  const page = { limit: 10, offset: 0 };

  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateEventStore(database.db);
    const store = new PostgresEventStore(database.db);
    const append = (id: string, events: BeneficiaryEvent[]) =>
      store.append(
        beneficiaryStreamName(id),
        events.map((e) => testEvent(e.type, e.data)),
        'no_stream',
      );
    await store.append(
      siretClaimStreamName('13000155500031'),
      [testEvent('beneficiary.SiretClaimed', { siret: '13000155500031', beneficiaryId: 'b1' })],
      'no_stream',
    );
    await append('b1', [
      {
        type: 'beneficiary.Registered',
        data: {
          beneficiaryId: 'b1',
          legalName: 'GIP REUSSIR EN SAMBRE AVESNOIS',
          kind: 'public-body',
          siret: '13000155500031',
          siren: '130001555',
          date: '2023-01-16',
        },
      },
      { type: 'beneficiary.NameAdded', data: { name: 'GIP Réussir', date: '2023-01-17' } },
    ]);
    await append('b2', [
      { type: 'beneficiary.Registered', data: { beneficiaryId: 'b2', legalName: 'CENTRE SOCIAL IMAGINE', kind: 'association', date: '2023-01-16' } },
    ]);
    dataSource = await openReadModelDataSource({
      db: database.db,
      databaseUrl: database.url,
      schema: projection.schema,
      entities: projection.entities,
      migrations: projection.migrations,
    });
    await logSettled(database.db);
    await new ProjectionRunner(projection, store, dataSource, { batchSize: 2 }).catchUp();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  it('is what its migration makes', async () => {
    expect(await schemaDrift(dataSource.manager, projection.schema, [BENEFICIARY_ROWS])).toEqual([]);
  });

  it('finds beneficiaries by SIRET, by any of their names whatever the case, and by status; names them by id', async () => {
    expect((await listBeneficiaries(dataSource, { siret: '13000155500031' }, page)).rows).toEqual([
      expect.objectContaining({ id: 'b1', siren: '130001555', status: 'resolved', otherNames: ['GIP Réussir'], registeredOn: '2023-01-16' }),
    ]);
    expect((await listBeneficiaries(dataSource, { q: 'gip réu' }, page)).rows.map((r) => r.id)).toEqual(['b1']);
    // `%` and `_` are letters here, not patterns.
    expect((await listBeneficiaries(dataSource, { q: '%' }, page)).rows).toEqual([]);
    const unresolved = await listBeneficiaries(dataSource, { status: 'unresolved' }, page);
    expect([unresolved.total, unresolved.rows.map((r) => r.id)]).toEqual([1, ['b2']]);
    expect(await beneficiaryNames(dataSource, ['b2', 'b1', 'nobody', ''])).toEqual(
      new Map([
        ['b1', 'GIP REUSSIR EN SAMBRE AVESNOIS'],
        ['b2', 'CENTRE SOCIAL IMAGINE'],
      ]),
    );
  });
});
