import type { CommandContext } from '@erbm/shared/api';
import { Injectable } from '@nestjs/common';

/** What the ledger needs to know of an operation of any domain: its eligible cost and the commitments financing it. */
export interface OperationFinancing {
  eligibleCostCents?: number;
  commitmentIds: string[];
}

export interface FinancingPlanLine {
  commitmentId: string;
  financer: string;
  fundingLine: string;
}

export interface OperationDirectory {
  /** Undefined when the domain has no such operation. */
  financing(operationId: string): Promise<OperationFinancing | undefined>;
  /** Adds a commitment to the operation's financing plan; adding it again changes nothing. */
  attach(operationId: string, line: FinancingPlanLine, ctx: CommandContext, date: string): Promise<void>;
}

/** Each domain module registers how to read its operations; the ledger stays ignorant of the domains themselves. */
@Injectable()
export class OperationDirectories {
  private readonly directories = new Map<string, OperationDirectory>();

  register(domain: string, directory: OperationDirectory): void {
    this.directories.set(domain, directory);
  }

  served(domain: string): boolean {
    return this.directories.has(domain);
  }

  get(domain: string): OperationDirectory | undefined {
    return this.directories.get(domain);
  }
}
