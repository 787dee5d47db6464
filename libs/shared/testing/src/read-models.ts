import type { Projection } from '@erbm/shared/projections';

/**
 * What two builds of the same log rightly write differently in the bookkeeping every projection schema has: when a
 * batch ran, when an event was parked, when the tables were migrated. Of the checkpoints, where each projection got to
 * and how many events it applied are compared.
 */
const BOOKKEEPING: Record<string, ((schema: string) => string) | null> = {
  projection_state: (schema) => `SELECT projection, checkpoint, events_applied::text FROM "${schema}".projection_state ORDER BY projection`,
  parked_events: null,
  typeorm_migrations: null,
};

/**
 * Every row of every table in the schemas of these projections, found in the catalog (a table a projection adds is
 * compared without being listed here), each in the order of its primary key, for comparing two builds.
 */
export async function dumpReadModels(
  projections: readonly Projection[],
  query: (sql: string) => Promise<Record<string, unknown>[]>,
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const { schema } of projections) {
    const tables = await query(`
      SELECT c.relname AS name,
             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
                FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
               WHERE i.indrelid = c.oid AND i.indisprimary) AS key
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = '${schema}' AND c.relkind IN ('r', 'p')
       ORDER BY c.relname`);
    for (const { name, key } of tables as { name: string; key: string | null }[]) {
      const bookkeeping = BOOKKEEPING[name];
      if (bookkeeping === null) continue;
      // A table without a primary key is ordered by the whole of each row.
      const sql = bookkeeping?.(schema) ?? `SELECT * FROM "${schema}"."${name}" AS r ORDER BY ${key ?? 'r::text'}`;
      out[`${schema}.${name}`] = JSON.parse(JSON.stringify(await query(sql)));
    }
  }
  return out;
}
