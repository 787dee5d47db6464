import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandContext, EventSourcedRepository, centsOf } from '@erbm/shared/api';
import { commitmentStreamName, decideCommitment } from '@erbm/ledger/domain';
import { NotFound } from '@erbm/shared/kernel';
import { DecisionProgrammings, type ProgrammingSource } from '../programmings/decision-programmings';
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
 * Programmes money on a commitment by a meeting's decision or by an act: counted first in the decision's meeting or the
 * act's stream, which refuses it beyond what was granted for the commitment's financer and funding line, then recorded
 * on the commitment (ADR 0015, ADR 0018).
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
    // The request's validation let exactly one of them through.
    const source: ProgrammingSource = request.act
      ? { actId: request.act.actId }
      : { meetingId: request.decision?.meetingId ?? '', decisionId: request.decision?.decisionId ?? '' };
    // A retry after a crash (same Idempotency-Key) finds its programming in the meeting or the act: it only completes it.
    let recorded = await this.programmings.recordedBefore(ctx, source);
    if (!recorded) {
      this.repository.expected(ctx, commitmentStreamName(commitmentId), revision);
      const cited = 'actId' in source ? { act: await this.reader.act(source) } : { decision: await this.reader.decision(source) };
      const amountCents = centsOf(request);
      // The commitment's own rules first (open, dates, amount): the meeting or act counts nothing the commitment would refuse.
      decideCommitment({ type: 'programme', amountCents, date: request.date, ...cited, today: this.reader.today() }, state);
      recorded = await this.programmings.record(ctx, {
        ...source,
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
