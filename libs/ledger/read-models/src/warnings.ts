import type { DataSource } from 'typeorm';
import { readRows, selectList } from '@erbm/shared/projections';
import type { WarningCode } from '@erbm/ledger/domain';
import { type RegisterScope, scopeClauses } from './register-scope';
import { COLUMN, COMMITMENTS } from './tables';

export interface WarningFilters {
  code?: WarningCode;
  financer?: string;
  domain?: string;
  arrondissement?: string;
  fiscalYear?: number;
}

const OF_COMMITMENT = ['id', 'domain', 'operationId', 'operationName', 'financer', 'fundingLine', 'arrondissement', 'fiscalYear', 'warnings'] as const;

/** One warning of one commitment of the register, with where that commitment stands. */
export interface WarningRow {
  commitmentId: string;
  domain: string;
  operationId: string;
  operationName: string | null;
  financer: string;
  fundingLine: string;
  arrondissement: string;
  fiscalYear: number;
  code: WarningCode;
  message: string;
  /** The revision of the commitment's stream whose fact raised it. */
  raisedByRevision: number;
  amountCents: number | null;
  limitCents: number | null;
}

/**
 * Every warning recorded on the register's commitments (`commitments.warnings`), one row each, filtered by code,
 * financer, domain, arrondissement and the commitment's fiscal year, within the reader's scope; ordered by financer, commitment and
 * the revision that raised it.
 */
export async function warningsAcross(ds: DataSource, filters: WarningFilters, scope?: RegisterScope): Promise<WarningRow[]> {
  const params: unknown[] = [];
  const clauses = ['warning_count > 0'];
  for (const axis of ['financer', 'domain', 'arrondissement', 'fiscalYear'] as const) {
    if (filters[axis] === undefined) continue;
    params.push(filters[axis]);
    clauses.push(`${COLUMN[axis]} = $${params.length}`);
  }
  if (filters.code !== undefined) {
    params.push(JSON.stringify([{ code: filters.code }]));
    clauses.push(`warnings @> $${params.length}::jsonb`);
  }
  clauses.push(...scopeClauses(scope, params));
  const schema = `"${(ds.options as { schema: string }).schema}"`;
  const commitments = readRows(
    COMMITMENTS,
    await ds.query(`SELECT ${selectList(COMMITMENTS, OF_COMMITMENT)} FROM ${schema}.commitments WHERE ${clauses.join(' AND ')} ORDER BY financer, id`, params),
    OF_COMMITMENT,
  );
  return commitments.flatMap((c) =>
    c.warnings
      .filter((w) => filters.code === undefined || w.code === filters.code)
      .sort((a, b) => a.raisedByRevision - b.raisedByRevision)
      .map((w): WarningRow => ({
        commitmentId: c.id,
        domain: c.domain,
        operationId: c.operationId,
        operationName: c.operationName,
        financer: c.financer,
        fundingLine: c.fundingLine,
        arrondissement: c.arrondissement,
        fiscalYear: c.fiscalYear,
        code: w.code,
        message: w.message,
        raisedByRevision: w.raisedByRevision,
        amountCents: w.amountCents ?? null,
        limitCents: w.limitCents ?? null,
      })),
  );
}
