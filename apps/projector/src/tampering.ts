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
 * Adds an amount to the committed ledger (and so to the reste à payer) of the first commitment committed, in its row,
 * the state stored with it, its open version and its consolidated total: every rule between the tables still holds.
 */
export async function forgeCommitment(db: SqlExecutor, cents: number) {
  const [c] = await db.query<Record<string, string | number>>(
    `SELECT id, committed, ${TOTAL_KEY.join(', ')} FROM rm_ledger.commitments WHERE committed > 0 ORDER BY id LIMIT 1`,
  );
  const [version] = await db.query<{ from_txid: string; from_gp: string }>(
    `SELECT from_txid::text, from_gp::text FROM rm_ledger.commitment_versions WHERE id = $1 AND to_txid IS NULL`,
    [c.id],
  );
  const [total] = await db.query<{ committed: string | number }>(`SELECT committed FROM rm_ledger.consolidated_totals WHERE ${byTotalKey(1)}`, [
    ...TOTAL_KEY.map((k) => c[k]),
  ]);
  const move = async (q: SqlExecutor, by: number) => {
    await q.query(
      `UPDATE rm_ledger.commitments SET committed = committed + $2, reste_a_payer = reste_a_payer + $2,
              state = jsonb_set(state, '{ledgers,committed}', to_jsonb((state->'ledgers'->>'committed')::bigint + $2))
        WHERE id = $1`,
      [c.id, by],
    );
    await q.query(`UPDATE rm_ledger.commitment_versions SET committed = committed + $2, reste_a_payer = reste_a_payer + $2 WHERE id = $1 AND to_txid IS NULL`, [
      c.id,
      by,
    ]);
    await q.query(`UPDATE rm_ledger.consolidated_totals SET committed = committed + $1, reste_a_payer = reste_a_payer + $1 WHERE ${byTotalKey(2)}`, [
      by,
      ...TOTAL_KEY.map((k) => c[k]),
    ]);
  };
  await move(db, cents);
  return {
    id: c.id as string,
    committed: Number(c.committed),
    openVersion: { id: c.id, from_txid: Number(version.from_txid), from_gp: Number(version.from_gp) },
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
