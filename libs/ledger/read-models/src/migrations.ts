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
