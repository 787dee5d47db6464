import type { DataSource } from 'typeorm';
import { type TestDatabase, openTestDatabase } from '@erbm/shared/event-store/testing';
import { openReadModelDataSource, schemaDrift } from '@erbm/shared/projections';
import { HabitatRegisterProjection } from './habitat-register';
import { HABITAT_COMMITMENT_OPERATIONS, HABITAT_INDICATOR_TOTALS, HABITAT_OPERATIONS } from './tables';

describe('the habitat register as declared', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const projection = new HabitatRegisterProjection();

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
    expect(await schemaDrift(dataSource.manager, projection.schema, [HABITAT_OPERATIONS, HABITAT_COMMITMENT_OPERATIONS, HABITAT_INDICATOR_TOTALS])).toEqual([]);
  });
});
