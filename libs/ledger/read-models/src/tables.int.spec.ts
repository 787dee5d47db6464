import type { DataSource } from 'typeorm';
import { type TestDatabase, openTestDatabase } from '@erbm/shared/event-store/testing';
import { column, openReadModelDataSource, schemaDrift } from '@erbm/shared/projections';
import { LedgerRegisterProjection } from './ledger-register.projection';
import { COMMITMENTS, COMMITMENT_BUCKETS, COMMITMENT_VERSIONS, CONSOLIDATED_TOTALS, MEETING_BODIES, OPERATION_LOCATIONS } from './tables';

describe('the ledger register as declared', () => {
  const projection = new LedgerRegisterProjection([]);
  const declared = [COMMITMENTS, OPERATION_LOCATIONS, CONSOLIDATED_TOTALS, COMMITMENT_BUCKETS, COMMITMENT_VERSIONS, MEETING_BODIES];
  let database: TestDatabase;
  let dataSource: DataSource;

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
    expect(await schemaDrift(dataSource.manager, projection.schema, declared)).toEqual([]);
  });

  it('names what a declaration no longer shares with the migrated tables', async () => {
    const drifted = {
      ...COMMITMENTS,
      columns: { ...COMMITMENTS.columns, fiscalYear: column.text('fiscal_year'), reference: column.text('reference', { nullable: true }) },
    };
    // Tables come in the order the server lists them, which PGlite and PostgreSQL do not share.
    expect((await schemaDrift(dataSource.manager, projection.schema, [drifted, OPERATION_LOCATIONS, CONSOLIDATED_TOTALS])).sort()).toEqual([
      'commitment_buckets: in the schema, not declared',
      'commitment_versions: in the schema, not declared',
      'commitments.fiscal_year: declared text NOT NULL, migrated int4 NOT NULL',
      'commitments.reference: declared, not in the table',
      'meeting_bodies: in the schema, not declared',
    ]);
  });
});
