import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { DEFAULT_CONNECT_TIMEOUT_MS, type SqlDatabase, isEmbedded, pgCompatibleDriver } from '@erbm/shared/event-store';
import { schemaOf } from './projection';

/** The bookkeeping every projection schema has: its checkpoint and its parked events. */
export class ProjectionStateTables1732200000000 implements MigrationInterface {
  name = 'ProjectionStateTables1732200000000';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.projection_state (
      projection text PRIMARY KEY,
      checkpoint text,
      events_applied bigint NOT NULL DEFAULT 0,
      last_recorded_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE ${s}.parked_events (
      event_id uuid PRIMARY KEY,
      position text NOT NULL,
      stream_name text NOT NULL,
      revision bigint NOT NULL,
      type text NOT NULL,
      error text NOT NULL,
      parked_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.parked_events`);
    await q.query(`DROP TABLE ${s}.projection_state`);
  }
}

/**
 * The log a checkpoint is a position of (`EventStore.logId`): a checkpoint of another log is refused, not resumed from.
 * Null in a row written before this column: that checkpoint belongs to the store that runs now, which tags it.
 */
export class ProjectionStateLog1732200000100 implements MigrationInterface {
  name = 'ProjectionStateLog1732200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.projection_state ADD COLUMN log_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.projection_state DROP COLUMN log_id`);
  }
}

export interface ReadModelDataSourceOptions {
  db: SqlDatabase;
  /** The server's connection string; absent on the embedded database, which TypeORM then reaches through `db`. */
  databaseUrl?: string;
  schema: string;
  entities: (new () => object)[];
  migrations: (new () => MigrationInterface)[];
  poolSize?: number;
}

/** A TypeORM data source on one read-model schema, created and migrated if needed. */
export async function openReadModelDataSource(options: ReadModelDataSourceOptions): Promise<DataSource> {
  const connection = options.databaseUrl
    ? { url: options.databaseUrl, poolSize: options.poolSize ?? 4, connectTimeoutMS: DEFAULT_CONNECT_TIMEOUT_MS }
    : isEmbedded(options.db)
      ? { driver: pgCompatibleDriver(options.db) }
      : (() => {
          throw new Error('a server database needs its connection string for TypeORM');
        })();
  const dataSource = new DataSource({
    type: 'postgres',
    ...connection,
    schema: options.schema,
    entities: options.entities,
    migrations: [ProjectionStateTables1732200000000, ProjectionStateLog1732200000100, ...options.migrations],
    migrationsTableName: 'typeorm_migrations',
    installExtensions: false,
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  // Two processes starting together must not both create the schema: on a server, one migrates at a time. The
  // embedded database has a single process (and a single connection, which holding a lock here would block).
  const lock = options.databaseUrl ? dataSource.createQueryRunner() : undefined;
  try {
    await lock?.query(`SELECT pg_advisory_lock(hashtext($1))`, [`erbm.read-models.migrate.${options.schema}`]);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lock?.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`erbm.read-models.migrate.${options.schema}`]);
    await lock?.release();
  }
  return dataSource;
}
