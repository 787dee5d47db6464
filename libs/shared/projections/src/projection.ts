import type { EntityManager, MigrationInterface } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';

/** Records an event a projection could not apply, with why; the rest of the batch goes on. */
export type Park = (event: StoredEvent, error: unknown) => void;

/**
 * A projection keeps read-model tables of its own, in a schema of its own, from the global log. It declares the event
 * types it handles and applies a batch of them; the runner commits the changes and the checkpoint together.
 */
export interface Projection {
  /** Stable name: the checkpoint, the lock and the schema are named after it. */
  readonly name: string;
  /** PostgreSQL schema of its tables (live); a rebuild fills `<schema>_rebuild`, then swaps. */
  readonly schema: string;
  readonly handles: ReadonlySet<string>;
  /** TypeORM entities of its tables, declared without a schema: the data source gives it. */
  readonly entities: (new () => object)[];
  /** TypeORM migrations creating and changing its tables; they read the schema from the data source options. */
  readonly migrations: (new () => MigrationInterface)[];
  /**
   * Applies events (only types it handles, in log order) inside the batch transaction. Must be idempotent: an event
   * older than what a row already reflects changes nothing. Calls `park` for an event it cannot apply and goes on.
   */
  apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void>;
  /**
   * What must hold between its tables whatever the log says (a total equals the sum of the rows behind it…): what
   * `verifyReadModels` runs to find a table changed behind the projection's back.
   */
  readonly checks?: readonly ReadModelCheck[];
}

/** The schema a migration runs in: the data source's, so the same migration builds a live or a rebuild schema. */
export function schemaOf(queryRunner: { connection: { options: unknown } }): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('read-model data sources always name their schema');
  return `"${schema}"`;
}

/**
 * A rule between a projection's tables that holds whatever the log says: a total equals the sum of the rows behind it,
 * a column equals what it is made from. A table changed behind the projection's back breaks one.
 */
export interface ReadModelCheck {
  /** The table whose rows it holds to account. */
  readonly table: string;
  /** What must hold, for the report. */
  readonly rule: string;
  /**
   * The rows that break the rule, as one SQL statement over the projection's tables in `schema` (quoted: the live
   * schema or another), each with: `key` (json: the row's key columns, in order), `column`, `expected` and `actual` (text),
   * `reason`; in the order of the key.
   */
  sql(schema: string): string;
}
