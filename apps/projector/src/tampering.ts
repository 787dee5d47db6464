import type { SqlExecutor } from '@erbm/shared/event-store';
import { COLUMN, LEDGER_REGISTER, TOTAL_AXES } from '@erbm/ledger/read-models';

/** What a person with SQL access may do to the ledger register's tables behind the projection's back, and undo. */

/** The consolidated totals' key columns, as the register declares them. */
const TOTAL_KEY = TOTAL_AXES.map((a) => COLUMN[a]);
const byTotalKey = (first: number) => TOTAL_KEY.map((c, i) => `${c} = $${first + i}`).join(' AND ');

/** Adds an amount to the committed ledger of the first consolidated total (in key order), and to nothing else. */
export async function raiseFirstTotal(db: SqlExecutor, cents: number) {
  const [row] = await db.query<Record<string, string | number>>(
    `SELECT ${TOTAL_KEY.join(', ')}, committed FROM rm_ledger.consolidated_totals ORDER BY ${TOTAL_KEY.join(', ')} LIMIT 1`,
  );
  const key = Object.fromEntries(TOTAL_KEY.map((c) => [c, row[c]]));
  const move = (q: SqlExecutor, by: number) =>
    q.query(`UPDATE rm_ledger.consolidated_totals SET committed = committed + $1 WHERE ${byTotalKey(2)}`, [by, ...TOTAL_KEY.map((c) => row[c])]);
  await move(db, cents);
  return { key, committed: Number(row.committed), undo: (q: SqlExecutor) => move(q, -cents) };
}

/**
 * Adds an amount to the committed ledger (and so to the reste à payer) of the first bucket of a commitment committed,
 * in its commitment's row, the state stored with it, its bucket row, its open version and its consolidated total: every
 * rule between the tables still holds.
 */
export async function forgeCommitment(db: SqlExecutor, cents: number) {
  const [c] = await db.query<Record<string, string | number>>(
    `SELECT b.id, b.committed, ${TOTAL_KEY.map((k) => `b.${k}`).join(', ')}, c.state->'buckets' AS buckets
       FROM rm_ledger.commitment_buckets b JOIN rm_ledger.commitments c USING (id) WHERE b.committed > 0 ORDER BY b.id, b.fiscal_year, b.funding_line LIMIT 1`,
  );
  const bucket = (c.buckets as unknown as { fundingLine: string; fiscalYear: number }[]).findIndex(
    (b) => b.fundingLine === c.funding_line && b.fiscalYear === Number(c.fiscal_year),
  );
  const bucketKey = { id: c.id, funding_line: c.funding_line, fiscal_year: c.fiscal_year };
  const [version] = await db.query<{ from_txid: string; from_gp: string }>(
    `SELECT from_txid::text, from_gp::text FROM rm_ledger.commitment_versions WHERE id = $1 AND funding_line = $2 AND fiscal_year = $3 AND to_txid IS NULL`,
    [c.id, c.funding_line, c.fiscal_year],
  );
  const [total] = await db.query<{ committed: string | number }>(`SELECT committed FROM rm_ledger.consolidated_totals WHERE ${byTotalKey(1)}`, [
    ...TOTAL_KEY.map((k) => c[k]),
  ]);
  const [row] = await db.query<{ committed: string | number }>(`SELECT committed FROM rm_ledger.commitments WHERE id = $1`, [c.id]);
  const move = async (q: SqlExecutor, by: number) => {
    await q.query(
      `UPDATE rm_ledger.commitments SET committed = committed + $2, reste_a_payer = reste_a_payer + $2,
              state = jsonb_set(jsonb_set(state, '{ledgers,committed}', to_jsonb((state->'ledgers'->>'committed')::bigint + $2)),
                                '{buckets,${bucket},ledgers,committed}', to_jsonb((state->'buckets'->${bucket}->'ledgers'->>'committed')::bigint + $2))
        WHERE id = $1`,
      [c.id, by],
    );
    for (const table of ['commitment_buckets', 'commitment_versions'])
      await q.query(
        `UPDATE rm_ledger.${table} SET committed = committed + $4, reste_a_payer = reste_a_payer + $4
          WHERE id = $1 AND funding_line = $2 AND fiscal_year = $3${table === 'commitment_versions' ? ' AND to_txid IS NULL' : ''}`,
        [c.id, c.funding_line, c.fiscal_year, by],
      );
    await q.query(`UPDATE rm_ledger.consolidated_totals SET committed = committed + $1, reste_a_payer = reste_a_payer + $1 WHERE ${byTotalKey(2)}`, [
      by,
      ...TOTAL_KEY.map((k) => c[k]),
    ]);
  };
  await move(db, cents);
  return {
    id: c.id as string,
    /** The commitment's committed ledger, and its bucket's. */
    committed: Number(row.committed),
    bucketCommitted: Number(c.committed),
    bucketKey,
    openVersion: { ...bucketKey, from_txid: Number(version.from_txid), from_gp: Number(version.from_gp) },
    totalKey: Object.fromEntries(TOTAL_KEY.map((k) => [k, c[k]])),
    totalCommitted: Number(total.committed),
    undo: (q: SqlExecutor) => move(q, -cents),
  };
}

/** The break that verification reports for a total raised by raiseFirstTotal. */
export const raisedTotalBreak = (raised: { key: Record<string, unknown>; committed: number }, cents: number) => ({
  projection: LEDGER_REGISTER,
  table: 'consolidated_totals',
  key: raised.key,
  column: 'committed',
  expected: String(raised.committed),
  actual: String(raised.committed + cents),
  reason: 'a consolidated total equals the sum of the commitment rows behind it',
});
