import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@erbm/shared/projections';

const ledgerColumns = ['announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered', 'reste_a_payer']
  .map((c) => `${c} bigint NOT NULL DEFAULT 0`)
  .join(',\n      ');

export class LedgerRegister1732200000001 implements MigrationInterface {
  name = 'LedgerRegister1732200000001';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.commitments (
      id uuid PRIMARY KEY,
      domain text NOT NULL,
      operation_id text NOT NULL,
      operation_name text,
      financer text NOT NULL,
      funding_line text NOT NULL,
      arrondissement text NOT NULL,
      fiscal_year int NOT NULL,
      status text NOT NULL,
      ${ledgerColumns},
      warning_count int NOT NULL,
      warnings jsonb NOT NULL,
      decisions jsonb NOT NULL,
      legal_acts jsonb NOT NULL,
      revision int NOT NULL,
      last_recorded_at timestamptz NOT NULL,
      state jsonb NOT NULL)`);
    await q.query(`CREATE INDEX commitments_axes ON ${s}.commitments (financer, domain, funding_line, arrondissement, fiscal_year)`);
    await q.query(`CREATE INDEX commitments_operation ON ${s}.commitments (operation_id)`);
    await q.query(`CREATE TABLE ${s}.operation_locations (
      operation_id text PRIMARY KEY,
      domain text NOT NULL,
      name text,
      arrondissement text NOT NULL,
      commune_insee text)`);
    await q.query(`CREATE TABLE ${s}.consolidated_totals (
      financer text NOT NULL,
      domain text NOT NULL,
      funding_line text NOT NULL,
      arrondissement text NOT NULL,
      fiscal_year int NOT NULL,
      commitments int NOT NULL DEFAULT 0,
      ${ledgerColumns},
      PRIMARY KEY (financer, domain, funding_line, arrondissement, fiscal_year))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.consolidated_totals`);
    await q.query(`DROP TABLE ${s}.operation_locations`);
    await q.query(`DROP TABLE ${s}.commitments`);
  }
}

const JSON_COLUMNS = ['state', 'warnings', 'decisions', 'legal_acts'];

/**
 * Storage of the commitment rows, a register rewritten batch after batch (a rebuild writes each row about three
 * times): room in each page for a row's next version, so that an update that changes no indexed column adds no index
 * entries (HOT), and lz4 for the JSON columns where the server has it (not PGlite), cheaper than pglz to write and
 * read. Values are unchanged; rows already stored keep their compression until rewritten.
 */
export class CommitmentStorage1732200000005 implements MigrationInterface {
  name = 'CommitmentStorage1732200000005';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.commitments SET (fillfactor = 70)`);
    const [{ lz4 }] = await q.query(`SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
    if (lz4) for (const column of JSON_COLUMNS) await q.query(`ALTER TABLE ${s}.commitments ALTER COLUMN ${column} SET COMPRESSION lz4`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const column of JSON_COLUMNS) await q.query(`ALTER TABLE ${s}.commitments ALTER COLUMN ${column} SET COMPRESSION pglz`);
    await q.query(`ALTER TABLE ${s}.commitments RESET (fillfactor)`);
  }
}

/**
 * The register by year of the facts and on more axes (ADR 0016): each commitment's ledgers by funding line and year
 * (`commitment_buckets`), the totals and their versions by bucket, and the place of each operation (département, EPCI,
 * commune, contrat de ville, ERBM perimeter, dispositif) and the governance body of each commitment (with the body of
 * each meeting, for decisions recorded without theirs). Rows already
 * there were filed under the commitment's current year and line, which a new column cannot mend: the register is
 * emptied and its checkpoint forgotten, so the projection reads the log again from its start and refills it.
 */
export class LedgerRegisterYearsAndAxes1732200000016 implements MigrationInterface {
  name = 'LedgerRegisterYearsAndAxes1732200000016';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const table of ['commitment_versions', 'consolidated_totals', 'commitments', 'operation_locations']) await q.query(`DELETE FROM ${s}.${table}`);
    await q.query(`DELETE FROM ${s}.parked_events`);
    await q.query(`DELETE FROM ${s}.projection_state WHERE projection = 'ledger-register'`);
    const axes = ['departement', 'epci', 'commune', 'contrat_de_ville', 'erbm', 'governance_body', 'dispositif'];
    const add = (table: string, columns: string[]) =>
      q.query(`ALTER TABLE ${s}.${table} ${columns.map((c) => `ADD COLUMN ${c} text NOT NULL DEFAULT ''`).join(', ')}`);
    await add('commitments', axes);
    await add('consolidated_totals', axes);
    await add('commitment_versions', axes);
    await add('operation_locations', ['departement', 'epci', 'contrat_de_ville', 'dispositif', 'erbm']);
    const totalKey = ['financer', 'domain', 'funding_line', 'arrondissement', 'fiscal_year', ...axes].join(', ');
    await q.query(`ALTER TABLE ${s}.consolidated_totals DROP CONSTRAINT consolidated_totals_pkey, ADD PRIMARY KEY (${totalKey})`);
    await q.query(
      `ALTER TABLE ${s}.commitment_versions DROP CONSTRAINT commitment_versions_pkey, ADD PRIMARY KEY (id, funding_line, fiscal_year, from_txid, from_gp)`,
    );
    await q.query(`CREATE TABLE ${s}.commitment_buckets (
      id uuid NOT NULL,
      financer text NOT NULL, domain text NOT NULL, funding_line text NOT NULL, arrondissement text NOT NULL, fiscal_year int NOT NULL,
      ${axes.map((c) => `${c} text NOT NULL`).join(', ')},
      ${ledgerColumns},
      PRIMARY KEY (id, funding_line, fiscal_year))`);
    await q.query(`CREATE INDEX commitment_buckets_year ON ${s}.commitment_buckets (fiscal_year, financer)`);
    await q.query(`CREATE TABLE ${s}.meeting_bodies (meeting_id text PRIMARY KEY, body text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    const axes = ['departement', 'epci', 'commune', 'contrat_de_ville', 'erbm', 'governance_body', 'dispositif'];
    await q.query(`DROP TABLE ${s}.meeting_bodies`);
    await q.query(`DROP TABLE ${s}.commitment_buckets`);
    for (const table of ['commitment_versions', 'consolidated_totals', 'commitments', 'operation_locations']) await q.query(`DELETE FROM ${s}.${table}`);
    await q.query(`DELETE FROM ${s}.projection_state WHERE projection = 'ledger-register'`);
    await q.query(`ALTER TABLE ${s}.commitment_versions DROP CONSTRAINT commitment_versions_pkey, ADD PRIMARY KEY (id, from_txid, from_gp)`);
    await q.query(
      `ALTER TABLE ${s}.consolidated_totals DROP CONSTRAINT consolidated_totals_pkey, ADD PRIMARY KEY (financer, domain, funding_line, arrondissement, fiscal_year)`,
    );
    const drop = (table: string, columns: string[]) => q.query(`ALTER TABLE ${s}.${table} ${columns.map((c) => `DROP COLUMN ${c}`).join(', ')}`);
    await drop('commitments', axes);
    await drop('consolidated_totals', axes);
    await drop('commitment_versions', axes);
    await drop('operation_locations', ['departement', 'epci', 'contrat_de_ville', 'dispositif', 'erbm']);
  }
}

/**
 * The beneficiary axis: who receives each commitment's money ('' for none), in the register, its totals (part of their
 * key) and its versions. The totals' key is the one the table has, with the beneficiary added at its end: read from the
 * catalogue, so that this migration adds its axis whatever other axes the migrations before it added.
 */
export class BeneficiaryAxis1732200000017 implements MigrationInterface {
  name = 'BeneficiaryAxis1732200000017';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const table of ['commitments', 'consolidated_totals', 'commitment_versions', 'commitment_buckets'])
      await q.query(`ALTER TABLE ${s}.${table} ADD COLUMN beneficiary text NOT NULL DEFAULT ''`);
    const key = await primaryKeyOf(q, s, 'consolidated_totals');
    await q.query(`ALTER TABLE ${s}.consolidated_totals DROP CONSTRAINT ${key.constraint}`);
    await q.query(`ALTER TABLE ${s}.consolidated_totals ADD PRIMARY KEY (${[...key.columns, 'beneficiary'].join(', ')})`);
    await q.query(`CREATE INDEX commitments_beneficiary ON ${s}.commitments (beneficiary)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP INDEX ${s}.commitments_beneficiary`);
    const key = await primaryKeyOf(q, s, 'consolidated_totals');
    await q.query(`ALTER TABLE ${s}.consolidated_totals DROP CONSTRAINT ${key.constraint}`);
    // Totals that differed only by their beneficiary become one.
    const axes = key.columns.filter((c) => c !== 'beneficiary');
    const ledgers = ['commitments', 'announced', 'programmed', 'committed', 'certified', 'ordered', 'paid', 'released', 'recovered', 'reste_a_payer'];
    await q.query(`CREATE TEMPORARY TABLE merged_totals AS SELECT ${axes.join(', ')}, ${ledgers.map((l) => `sum(${l})::bigint AS ${l}`).join(', ')}
                     FROM ${s}.consolidated_totals GROUP BY ${axes.join(', ')}`);
    await q.query(`DELETE FROM ${s}.consolidated_totals`);
    for (const table of ['commitments', 'consolidated_totals', 'commitment_versions', 'commitment_buckets'])
      await q.query(`ALTER TABLE ${s}.${table} DROP COLUMN beneficiary`);
    await q.query(`INSERT INTO ${s}.consolidated_totals (${[...axes, ...ledgers].join(', ')}) SELECT ${[...axes, ...ledgers].join(', ')} FROM merged_totals`);
    await q.query(`DROP TABLE merged_totals`);
    await q.query(`ALTER TABLE ${s}.consolidated_totals ADD PRIMARY KEY (${axes.join(', ')})`);
  }
}

/**
 * The beneficiary of an operation, as its domain's locator events say it: a commitment that names no beneficiary of its
 * own counts under its operation's. No event recorded before carried one, so the rows already there are right with ''.
 */
export class OperationBeneficiary1732200000018 implements MigrationInterface {
  name = 'OperationBeneficiary1732200000018';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.operation_locations ADD COLUMN beneficiary text NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.operation_locations DROP COLUMN beneficiary`);
  }
}

/** A table's primary key: its constraint's name and its columns in key order. */
async function primaryKeyOf(q: QueryRunner, schema: string, table: string): Promise<{ constraint: string; columns: string[] }> {
  const rows: { constraint: string; column: string }[] = await q.query(
    `SELECT c.conname AS constraint, a.attname AS column
       FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      WHERE c.conrelid = '${schema}.${table}'::regclass AND c.contype = 'p' ORDER BY k.n`,
  );
  if (rows.length === 0) throw new Error(`${schema}.${table} has no primary key`);
  return { constraint: `"${rows[0].constraint}"`, columns: rows.map((r) => r.column) };
}
