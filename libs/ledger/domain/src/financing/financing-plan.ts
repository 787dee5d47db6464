/**
 * An operation's financing plan, whatever its domain: the commitments financing it (one per financer and funding
 * line) and the cost eligible to public aid that they may not exceed together. Each domain's operation keeps one, in
 * its own stream, through these functions and the one event shape below.
 */

export interface FinancingPlanLine {
  commitmentId: string;
  financer: string;
  fundingLine: string;
}

/** What the ledger reads of any domain's operation: its eligible cost and the commitments financing it. */
export interface OperationFinancing {
  eligibleCostCents?: number;
  commitmentIds: string[];
}

/** The data of `<domain>.CommitmentAttached`, version 1: a commitment joins the operation's financing plan. */
export type CommitmentAttachedData = FinancingPlanLine & { date: string };

/** The type of the attachment event in a domain's operation stream, `<domain>.CommitmentAttached`. */
export const commitmentAttachedType = <D extends string>(domain: D): `${D}.CommitmentAttached` => `${domain}.CommitmentAttached`;

/** Attaching a commitment already in the plan decides nothing: the completion process and a retry may both try. */
export function decideAttachment(plan: readonly Pick<FinancingPlanLine, 'commitmentId'>[], line: FinancingPlanLine, date: string): CommitmentAttachedData[] {
  if (plan.some((l) => l.commitmentId === line.commitmentId)) return [];
  return [{ commitmentId: line.commitmentId, financer: line.financer, fundingLine: line.fundingLine, date }];
}

export function withAttachment(plan: readonly FinancingPlanLine[], data: CommitmentAttachedData): FinancingPlanLine[] {
  return [...plan, { commitmentId: data.commitmentId, financer: data.financer, fundingLine: data.fundingLine }];
}
