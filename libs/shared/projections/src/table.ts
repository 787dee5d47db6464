import type { EntityManager } from 'typeorm';
import { schemaOf } from './projection';

/**
 * A read-model table declared once: each property of its rows with its column's name, SQL type and role. From the
 * declaration come the row type, the statements that load, upsert and update rows, and how values go to PostgreSQL and
 * back. Rows travel as one JSON parameter per statement, each row an array of its values (no keys: half the text to
 * write and to parse), which PostgreSQL expands. Migrations stay as they were written (they are history); `schemaDrift`
 * compares the tables they made with the declarations, in a test of each projection.
 */

export type SqlType = 'text' | 'uuid' | 'int' | 'bigint' | 'date' | 'timestamptz' | 'jsonb';

export interface Column<V = unknown, R extends string = string> {
  /** The column's name in SQL. */
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** What the projection does with it, in its table's own words (an axis of the totals, a ledger…). */
  readonly role?: R;
  /** A JSON column written from the property of the same name of another column's JSON value: never sent apart. */
  readonly partOf?: string;
  /** The value sent for a row's value (a state kept lean in the table)… */
  write?(value: V): unknown;
  /** …and the row's value from the one stored. */
  readonly read?: (stored: unknown) => V;
  /** Only carries the type of a row's value. */
  readonly value?: V;
}

type Nullable<V, N extends boolean> = N extends true ? V | null : V;

const scalar =
  <V>(type: SqlType, read?: (stored: unknown) => V) =>
  <const R extends string = never, const N extends boolean = false>(name: string, options: { role?: R; nullable?: N } = {}): Column<Nullable<V, N>, R> => ({
    name,
    type,
    nullable: options.nullable ?? false,
    role: options.role,
    read,
  });

interface JsonOptions<V> {
  nullable?: boolean;
  partOf?: string;
  write?(value: V): unknown;
  read?: (stored: unknown) => V;
}

/** The column builders: `column.text('funding_line', { role: 'axis' })`, `column.jsonb<CommitmentState>('state')`. */
export const column = {
  text: scalar<string>('text'),
  uuid: scalar<string>('uuid'),
  int: scalar<number>('int'),
  /** Amounts in cents: numbers in a row, though node-postgres gives text and PGlite a number. */
  bigint: scalar<number>('bigint', Number),
  /** A bigint kept as text: a position in the log (a transaction id may pass 2^53). */
  bigintText: scalar<string>('bigint', String),
  /** Dates and times are ISO text in a row, whatever the driver and the session's time zone. */
  date: scalar<string>('date'),
  timestamptz: scalar<string>('timestamptz'),
  /** A nullable one includes `null` in V. */
  jsonb: <V>(name: string, options: JsonOptions<V> = {}): Column<V, never> => ({ name, type: 'jsonb', nullable: false, ...options }),
};

export type Columns = Record<string, Column>;

export interface Table<C extends Columns = Columns, K extends keyof C & string = keyof C & string> {
  /** Its name in its projection's schema (which the data source gives: live or rebuild). */
  readonly name: string;
  /** The properties of its primary key, in order. */
  readonly key: readonly K[];
  readonly columns: C;
}

export const table = <const C extends Columns, const K extends keyof C & string>(declaration: { name: string; key: readonly K[]; columns: C }): Table<C, K> =>
  declaration;

export type PropertyOf<T extends Table> = keyof T['columns'] & string;
type ValueOf<C> = C extends Column<infer V, string> ? V : never;
export type Row<T extends Table> = { [P in PropertyOf<T>]: ValueOf<T['columns'][P]> };

/** A column declared without a role inside `table({…})` has its role typed `string`, from the context: no role. */
type RoleOf<C> = C extends { readonly role?: infer R } ? (string extends R ? never : NonNullable<R>) : never;
export type PropertyWith<T extends Table, R extends string> = {
  [P in PropertyOf<T>]: RoleOf<T['columns'][P]> extends never ? never : RoleOf<T['columns'][P]> extends R ? P : never;
}[PropertyOf<T>];

/** The properties of a role, in the order they are declared. */
export const propertiesWith = <T extends Table, const R extends string>(t: T, role: R): readonly PropertyWith<T, R>[] =>
  Object.keys(t.columns).filter((p) => t.columns[p].role === role) as PropertyWith<T, R>[];

export const columnNames = <T extends Table>(t: T): { readonly [P in PropertyOf<T>]: string } =>
  Object.fromEntries(Object.entries(t.columns).map(([p, c]) => [p, c.name])) as { [P in PropertyOf<T>]: string };

const qualified = (manager: EntityManager, t: Table) => `${schemaOf(manager)}.${t.name}`;

function selected(c: Column, property: string): string {
  const value =
    c.type === 'date' ? `${c.name}::text` : c.type === 'timestamptz' ? `to_char(${c.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : c.name;
  return value === property ? value : `${value} AS "${property}"`;
}

/** The SELECT list of some properties of a table's rows (all by default), each under its property's name. */
export const selectList = <T extends Table>(t: T, properties: readonly PropertyOf<T>[] = Object.keys(t.columns)): string =>
  properties.map((p) => selected(t.columns[p], p)).join(', ');

/** The driver's rows of a `selectList`, made rows: each value as its row type has it. */
export function readRows<T extends Table, P extends PropertyOf<T> = PropertyOf<T>>(
  t: T,
  rows: Record<string, unknown>[],
  properties: readonly P[] = Object.keys(t.columns) as P[],
): Pick<Row<T>, P>[] {
  const readers = properties.flatMap((p) => {
    const read = t.columns[p].read;
    return read ? [[p, read] as const] : [];
  });
  for (const row of rows) for (const [p, read] of readers) if (row[p] !== null) row[p] = read(row[p]);
  return rows as Pick<Row<T>, P>[];
}

export interface LoadOptions<P extends string> {
  /** SQL on the columns' names, with `parameters`. */
  where?: string;
  parameters?: unknown[];
  orderBy?: string;
  /** Only these (all by default). */
  properties?: readonly P[];
}

export async function loadRows<T extends Table, P extends PropertyOf<T> = PropertyOf<T>>(
  manager: EntityManager,
  t: T,
  options: LoadOptions<P> = {},
): Promise<Pick<Row<T>, P>[]> {
  const properties = options.properties ?? (Object.keys(t.columns) as P[]);
  const rows: Record<string, unknown>[] = await manager.query(
    `SELECT ${selectList(t, properties)} FROM ${qualified(manager, t)}${options.where ? ` WHERE ${options.where}` : ''}${options.orderBy ? ` ORDER BY ${options.orderBy}` : ''}`,
    options.parameters,
  );
  return readRows(t, rows, properties);
}

/**
 * Rows as JSON for one statement: the values sent of some properties of a row (an array), the columns, and the SQL
 * that reads each column's value from `x`, one row of the parameter (`jsonb_array_elements($1::jsonb) AS x`).
 */
export function jsonRows(t: Table, properties: readonly string[]) {
  const sent = properties.filter((p) => !t.columns[p].partOf);
  const writers = sent.map((p) => t.columns[p].write);
  const values = properties.map((p) => {
    const c = t.columns[p];
    if (c.partOf) {
      const of = sent.indexOf(c.partOf);
      if (of < 0) throw new Error(`${t.name}.${c.name} is written from ${c.partOf}, which is not`);
      return `(x->${of})->'${p}'`;
    }
    const i = sent.indexOf(p);
    if (c.type !== 'jsonb') return `(x->>${i})::${c.type}`;
    return c.nullable ? `nullif(x->${i}, 'null')` : `(x->${i})`;
  });
  const encode = (row: Record<string, unknown>): unknown[] => {
    const out = new Array<unknown>(sent.length);
    for (let i = 0; i < sent.length; i++) {
      const write = writers[i];
      out[i] = write ? write(row[sent[i]]) : row[sent[i]];
    }
    return out;
  };
  return { columns: properties.map((p) => t.columns[p].name), values, encode };
}

/** Rows per statement by default. */
const CHUNK = 1_000;

export interface UpsertOptions {
  /** A row whose key is there already: replaces it (default), adds its values to it (totals moved by differences), or is left out. */
  onConflict?: 'replace' | 'add' | 'ignore';
  chunk?: number;
}

/** Writes whole rows: one statement per chunk, the rows in one JSON parameter. */
export async function upsertRows<T extends Table>(manager: EntityManager, t: T, rows: readonly Row<T>[], options: UpsertOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const { columns, values, encode } = jsonRows(t, Object.keys(t.columns));
  const key = t.key.map((p) => t.columns[p].name);
  const rest = columns.filter((c) => !key.includes(c));
  const onConflict = options.onConflict ?? 'replace';
  const action =
    onConflict === 'ignore'
      ? 'DO NOTHING'
      : `DO UPDATE SET ${rest.map((c) => (onConflict === 'add' ? `${c} = t.${c} + EXCLUDED.${c}` : `${c} = EXCLUDED.${c}`)).join(', ')}`;
  const sql = `INSERT INTO ${qualified(manager, t)} AS t (${columns.join(', ')})
    SELECT ${values.join(', ')} FROM jsonb_array_elements($1::jsonb) AS x
    ON CONFLICT (${key.join(', ')}) ${action}`;
  const chunk = options.chunk ?? CHUNK;
  for (let i = 0; i < rows.length; i += chunk) await manager.query(sql, [JSON.stringify(rows.slice(i, i + chunk).map(encode))]);
}

/** Sets some columns of rows there already, found by their key. */
export async function updateRows<T extends Table, P extends PropertyOf<T>>(
  manager: EntityManager,
  t: T,
  rows: readonly Pick<Row<T>, P | T['key'][number]>[],
  properties: readonly P[],
): Promise<void> {
  if (rows.length === 0) return;
  const { columns, values, encode } = jsonRows(t, [...t.key, ...properties]);
  const key = t.key.map((p) => t.columns[p].name);
  const sql = `UPDATE ${qualified(manager, t)} AS t SET ${columns
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = r.${c}`)
    .join(', ')}
    FROM (SELECT ${values.map((v, i) => `${v} AS ${columns[i]}`).join(', ')} FROM jsonb_array_elements($1::jsonb) AS x) AS r
    WHERE ${key.map((c) => `t.${c} = r.${c}`).join(' AND ')}`;
  for (let i = 0; i < rows.length; i += CHUNK) await manager.query(sql, [JSON.stringify(rows.slice(i, i + CHUNK).map(encode))]);
}

/** How information_schema names each type. */
const UDT_NAME: Record<SqlType, string> = { text: 'text', uuid: 'uuid', int: 'int4', bigint: 'int8', date: 'date', timestamptz: 'timestamptz', jsonb: 'jsonb' };
/** The runner's own tables in every projection's schema (data-source.ts). */
const BOOKKEEPING = ['parked_events', 'projection_state', 'typeorm_migrations'];
const nullability = (nullable: boolean) => (nullable ? 'NULL' : 'NOT NULL');

/**
 * What differs between a projection's declared tables and those its migrations made in a schema (unquoted): every
 * column's name, type and nullability, every primary key, and tables of either side only. Empty when they agree.
 */
export async function schemaDrift(manager: EntityManager, schema: string, tables: readonly Table[]): Promise<string[]> {
  const migrated: { table: string; name: string; type: string; nullable: boolean }[] = await manager.query(
    `SELECT table_name AS table, column_name AS name, udt_name AS type, is_nullable = 'YES' AS nullable FROM information_schema.columns WHERE table_schema = $1`,
    [schema],
  );
  const keys: { table: string; name: string }[] = await manager.query(
    `SELECT c.table_name AS table, k.column_name AS name FROM information_schema.table_constraints c
       JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
      WHERE c.table_schema = $1 AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position`,
    [schema],
  );
  const differences: string[] = [];
  for (const name of new Set(migrated.map((m) => m.table)))
    if (!BOOKKEEPING.includes(name) && !tables.some((t) => t.name === name)) differences.push(`${name}: in the schema, not declared`);
  for (const t of tables) {
    const columns = migrated.filter((m) => m.table === t.name);
    if (columns.length === 0) {
      differences.push(`${t.name}: declared, not in the schema`);
      continue;
    }
    const declared = Object.values(t.columns);
    for (const c of declared) {
      const m = columns.find((x) => x.name === c.name);
      if (!m) differences.push(`${t.name}.${c.name}: declared, not in the table`);
      else if (m.type !== UDT_NAME[c.type] || m.nullable !== c.nullable)
        differences.push(`${t.name}.${c.name}: declared ${UDT_NAME[c.type]} ${nullability(c.nullable)}, migrated ${m.type} ${nullability(m.nullable)}`);
    }
    for (const m of columns) if (!declared.some((c) => c.name === m.name)) differences.push(`${t.name}.${m.name}: in the table, not declared`);
    const declaredKey = t.key.map((p) => t.columns[p].name).join(', ');
    const migratedKey = keys
      .filter((k) => k.table === t.name)
      .map((k) => k.name)
      .join(', ');
    if (declaredKey !== migratedKey) differences.push(`${t.name}: primary key declared (${declaredKey}), migrated (${migratedKey})`);
  }
  return differences;
}

/**
 * An array parameter as the text of a PostgreSQL array literal: the planner sees the values, as with a list of
 * parameters, and the embedded database's driver passes text as it is.
 */
export const pgArray = (values: Iterable<string>): string => `{${[...values].map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
