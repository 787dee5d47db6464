import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandContext, EventSourcedRepository, centsOf } from '@erbm/shared/api';
import { commitmentStreamName, decideCommitment } from '@erbm/ledger/domain';
import { NotFound } from '@erbm/shared/kernel';
import { DecisionProgrammings } from '../programmings/decision-programmings';
import { type CommitmentResult, CommitmentReader } from './commitment.handlers';
import type { ProgrammeRequest } from './commitment.requests';

export class ProgrammeCommitment extends Command<CommitmentResult> {
  constructor(
    readonly domain: string,
    readonly commitmentId: string,
    readonly request: ProgrammeRequest,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/**
 * Programmes money on a commitment by a decision: counted first in the decision's meeting, which refuses it beyond what
 * the decision approved for the commitment's financer and funding line, then recorded on the commitment (ADR 0015).
 */
@CommandHandler(ProgrammeCommitment)
export class ProgrammeCommitmentHandler implements ICommandHandler<ProgrammeCommitment> {
  constructor(
    private readonly reader: CommitmentReader,
    private readonly repository: EventSourcedRepository,
    private readonly programmings: DecisionProgrammings,
  ) {}

  async execute({ domain, commitmentId, request, ctx }: ProgrammeCommitment): Promise<CommitmentResult> {
    const { state, revision } = await this.reader.load(domain, commitmentId);
    if (state.status === 'none') throw new NotFound('commitment', commitmentId);
    // A retry after a crash (same Idempotency-Key) finds its programming in the meeting: it only completes it.
    let recorded = await this.programmings.recordedBefore(ctx, request.decision.meetingId);
    if (!recorded) {
      this.repository.expected(ctx, commitmentStreamName(commitmentId), revision);
      const decision = await this.reader.decision(request.decision);
      const amountCents = centsOf(request);
      // The commitment's own rules first (open, dates, amount): the meeting counts nothing the commitment would refuse.
      decideCommitment({ type: 'programme', amountCents, date: request.date, decision, today: this.reader.today() }, state);
      recorded = await this.programmings.record(ctx, {
        meetingId: decision.meetingId,
        decisionId: decision.decisionId,
        commitmentId,
        domain,
        financer: state.financer,
        fundingLine: state.fundingLine,
        amountCents,
        date: request.date,
        sourceDocument: request.sourceDocument,
      });
    }
    const outcome = await this.programmings.complete(recorded, ctx);
    return { view: await this.reader.view(domain, commitmentId, undefined, outcome.revision) };
  }
}
