import type { DataSource } from 'typeorm';
import { netCommitted } from '@erbm/ledger/domain';
import { type Amounts, consolidatedTotals } from './queries';
import { TOTAL_LEDGERS } from './tables';

/** A funding line over a range of fiscal years: what an envelope covers. */
export interface FundingLineYears {
  fundingLine: string;
  fromYear: number;
  toYear: number;
}

/** What the register counts on a funding line over a range of years, and the net committed (committed less released). */
export type FundingLineUse = Amounts & { netCommitted: number };

/**
 * What the ledger register counts on each funding line over each range of fiscal years, read from its consolidated
 * totals in one query. A total's fiscal year is the one the register files a fact under (the year the money moved,
 * once the register counts each fact in its own year): whatever it means there, an envelope reads it the same way.
 */
export async function fundingLineUse(ds: DataSource, spans: readonly FundingLineYears[]): Promise<FundingLineUse[]> {
  if (spans.length === 0) return [];
  const lines = new Set(spans.map((s) => s.fundingLine));
  const { rows } = await consolidatedTotals(ds, ['fundingLine', 'fiscalYear'], lines.size === 1 ? { fundingLine: [...lines][0] } : {});
  return spans.map((span) => {
    const within = rows.filter((r) => r.fundingLine === span.fundingLine && Number(r.fiscalYear) >= span.fromYear && Number(r.fiscalYear) <= span.toYear);
    const sum = Object.fromEntries(
      ['commitmentCount', ...TOTAL_LEDGERS].map((l) => [l, within.reduce((s, r) => s + (r[l as keyof Amounts] as number), 0)]),
    ) as Amounts;
    return { ...sum, netCommitted: netCommitted(sum) };
  });
}
