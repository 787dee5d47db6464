import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler, type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { type CommandContext, EventSourcedRepository, REFERENTIALS, centsOf, newIdFor } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { type CommitmentEvent, type CommitmentState, type DecisionRef, commitmentStreamName, decideCommitment, foldCommitment, foldMeeting, meetingStreamName, netCommitted, type MeetingEvent } from '@erbm/ledger/domain';
import { NotFound, RuleViolation, fiscalYearOf } from '@erbm/shared/kernel';
import { OperationDirectories } from '../operation-directory';
import { type CommitmentStep, type StepRequest, toCommitmentCommand } from './commitment-steps';
import { type CommitmentView, commitmentView } from './commitment-view';
import type { AnnounceCommitmentRequest, DecisionRefRequest } from './commitment.requests';

export interface CommitmentResult {
  view: CommitmentView;
}

/** Reads commitments, decisions and envelopes from their streams: fresh right after a write, no projection involved. */
@Injectable()
export class CommitmentReader {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly directories: OperationDirectories,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  requireDomain(domain: string): void {
    if (!this.directories.served(domain)) throw new NotFound('domain', domain);
  }

  async load(domain: string, commitmentId: string, recordedUpTo?: string) {
    this.requireDomain(domain);
    const loaded = await this.repository.load<CommitmentState, CommitmentEvent>(commitmentStreamName(commitmentId), foldCommitment, { recordedUpTo });
    if (loaded.state.status === 'none' || loaded.state.domain !== domain) throw new NotFound('commitment', commitmentId);
    return loaded;
  }

  async view(domain: string, commitmentId: string, recordedUpTo?: string): Promise<CommitmentView> {
    const loaded = await this.load(domain, commitmentId, recordedUpTo);
    return commitmentView(commitmentId, loaded.state, loaded.events);
  }

  async decision(ref: DecisionRefRequest): Promise<DecisionRef> {
    const { state } = await this.repository.load(meetingStreamName(ref.meetingId), (events: MeetingEvent[]) => foldMeeting(events));
    if (state.status === 'none') throw new RuleViolation('unknown-decision', `No meeting ${ref.meetingId} is recorded`, 'decision.meetingId');
    if (!state.decisions.some((d) => d.decisionId === ref.decisionId))
      throw new RuleViolation('unknown-decision', `Meeting ${ref.meetingId} took no decision ${ref.decisionId}`, 'decision.decisionId');
    return { meetingId: ref.meetingId, decisionId: ref.decisionId, date: state.date };
  }

  /** The operation's eligible cost and what its other commitments have committed, for the over-commitment warning. */
  async envelope(domain: string, operationId: string, exceptCommitmentId: string) {
    const financing = await this.directories.get(domain)?.financing(operationId);
    if (!financing || financing.eligibleCostCents === undefined) return undefined;
    let other = 0;
    for (const id of financing.commitmentIds.filter((c) => c !== exceptCommitmentId)) {
      const { state } = await this.repository.load<CommitmentState, CommitmentEvent>(commitmentStreamName(id), foldCommitment);
      if (state.status !== 'none') other += netCommitted(state.ledgers);
    }
    return { eligibleCostCents: financing.eligibleCostCents, otherCommitmentsCents: other };
  }

  checkParty(field: string, party: string, date: string): void {
    if (!this.referentials.parties.at(party, date))
      throw new RuleViolation(this.referentials.parties.has(party) ? 'party-not-valid-at-date' : 'unknown-party', `${party} is not a party known on ${date} (see /referentials/parties)`, field);
  }

  checkFundingLine(fundingLine: string, date: string, financer?: string): void {
    const line = this.referentials.fundingLines.at(fundingLine, date);
    if (!line)
      throw new RuleViolation(
        this.referentials.fundingLines.has(fundingLine) ? 'funding-line-not-valid-at-date' : 'unknown-funding-line',
        `${fundingLine} is not a funding line open on ${date} (see /referentials/fundingLines)`,
        'fundingLine',
      );
    if (financer && line.owner !== financer)
      throw new RuleViolation('funding-line-of-another-financer', `Funding line ${fundingLine} is a budget of ${line.owner}, not of ${financer}`, 'fundingLine');
  }
}

export class AnnounceCommitment extends Command<CommitmentResult> {
  constructor(
    readonly domain: string,
    readonly operationId: string,
    readonly request: AnnounceCommitmentRequest,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(AnnounceCommitment)
export class AnnounceCommitmentHandler implements ICommandHandler<AnnounceCommitment> {
  constructor(
    private readonly reader: CommitmentReader,
    private readonly repository: EventSourcedRepository,
    private readonly directories: OperationDirectories,
  ) {}

  async execute({ domain, operationId, request, ctx }: AnnounceCommitment): Promise<CommitmentResult> {
    const directory = this.directories.get(domain);
    if (!directory) throw new NotFound('domain', domain);
    if (!(await directory.financing(operationId))) throw new NotFound('operation', operationId);
    this.reader.checkParty('financer', request.financer, request.date);
    this.reader.checkFundingLine(request.fundingLine, request.date, request.financer);
    const commitmentId = newIdFor(ctx, 'commitment');
    const stream = commitmentStreamName(commitmentId);
    const events = decideCommitment(
      {
        type: 'announce',
        commitmentId,
        operationId,
        domain,
        financer: request.financer,
        fundingLine: request.fundingLine,
        fiscalYear: request.fiscalYear ?? fiscalYearOf(request.date),
        amountCents: centsOf(request),
        date: request.date,
      },
      foldCommitment([]),
    );
    await this.repository.append(stream, events, 'no_stream', ctx, { occurredAt: request.date, sourceDocument: request.sourceDocument });
    // Second write: the operation lists the commitment in its financing plan. A retry with the same Idempotency-Key
    // repeats both with the same ids, so a crash between the two is repaired by retrying.
    await directory.attach(operationId, { commitmentId, financer: request.financer, fundingLine: request.fundingLine }, ctx, request.date);
    return { view: await this.reader.view(domain, commitmentId) };
  }
}

export class RecordCommitmentStep extends Command<CommitmentResult> {
  constructor(
    readonly domain: string,
    readonly commitmentId: string,
    readonly step: CommitmentStep,
    readonly request: StepRequest,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecordCommitmentStep)
export class RecordCommitmentStepHandler implements ICommandHandler<RecordCommitmentStep> {
  constructor(
    private readonly reader: CommitmentReader,
    private readonly repository: EventSourcedRepository,
  ) {}

  async execute({ domain, commitmentId, step, request, ctx }: RecordCommitmentStep): Promise<CommitmentResult> {
    const loaded = await this.reader.load(domain, commitmentId);
    const state = loaded.state as Exclude<CommitmentState, { status: 'none' }>;
    const stream = commitmentStreamName(commitmentId);
    const expected = this.repository.expected(ctx, stream, loaded.revision);
    const command = await toCommitmentCommand(step, request, {
      decision: (ref) => this.reader.decision(ref),
      envelope: () => this.reader.envelope(domain, state.operationId, commitmentId),
      checkFundingLine: (line, date) => this.reader.checkFundingLine(line, date, state.financer),
    });
    const events = decideCommitment(command, state);
    const legalAct = 'legalAct' in command ? command.legalAct : undefined;
    await this.repository.append(stream, events, expected, ctx, {
      occurredAt: command.date,
      reason: 'reason' in command ? command.reason : undefined,
      sourceDocument: request.sourceDocument ?? (legalAct ? { kind: legalAct.kind, reference: legalAct.reference } : undefined),
    });
    return { view: await this.reader.view(domain, commitmentId) };
  }
}

export class GetCommitment extends Query<CommitmentView> {
  constructor(
    readonly domain: string,
    readonly commitmentId: string,
    readonly recordedUpTo?: string,
  ) {
    super();
  }
}

@QueryHandler(GetCommitment)
export class GetCommitmentHandler implements IQueryHandler<GetCommitment> {
  constructor(private readonly reader: CommitmentReader) {}

  execute({ domain, commitmentId, recordedUpTo }: GetCommitment): Promise<CommitmentView> {
    return this.reader.view(domain, commitmentId, recordedUpTo);
  }
}
