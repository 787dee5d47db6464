import { Body, Controller, Get, Inject, Injectable, Param, Post, Res } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler, type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  AmountRequest,
  ApiETag,
  ApiIfMatch,
  BusinessDate,
  InjectClock,
  type CommandContext,
  CommandPath,
  Ctx,
  EventSourcedRepository,
  NestedList,
  OneOf,
  REFERENTIALS,
  type ReadScope,
  ReaderScope,
  Text,
  WriteRequest,
  centsOf,
  etag,
  newIdFor,
} from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import {
  DECISION_OUTCOMES,
  type MeetingCommand,
  type MeetingEvent,
  type MeetingState,
  decideMeeting,
  foldMeeting,
  meetingStreamName,
} from '@erbm/ledger/domain';
import { type Clock, NotFound, RuleViolation, type WithoutToday, formatBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { OperationDirectories } from '../operation-directory';
import { ReadScopeGate } from '@erbm/ledger/read-models';

export class RecordMeetingRequest extends WriteRequest {
  @Text({ max: 100, description: 'Governance body id (see /referentials/governanceBodies)', example: 'copil' })
  body!: string;

  @BusinessDate()
  date!: string;

  @Text({ max: 200, example: 'Préfecture de région, Lille' })
  place!: string;

  @Text({ optional: true, max: 200, description: 'Reference of the minutes (relevé de décisions)' })
  minutesReference?: string;
}

export class DecisionAmountRequest extends AmountRequest {
  @Text({ max: 100, example: 'etat' })
  financer!: string;

  @Text({ optional: true, max: 100, example: 'etat-p135' })
  fundingLine?: string;
}

export class TakeDecisionRequest extends WriteRequest {
  @Text({ optional: true, max: 100, description: 'Id of the decision within the meeting (default: generated)', example: 'D-2023-01-07' })
  decisionId?: string;

  @Text({ max: 1000, example: 'Programmation de la réhabilitation de la cité 12/14' })
  subject!: string;

  @OneOf(DECISION_OUTCOMES)
  outcome!: (typeof DECISION_OUTCOMES)[number];

  @Text({ optional: true, max: 100, description: 'The operation the decision is about' })
  operationId?: string;

  @NestedList(() => DecisionAmountRequest, { max: 50 })
  amounts!: DecisionAmountRequest[];
}

export class RecordMinutesRequest extends WriteRequest {
  @Text({ max: 200 })
  minutesReference!: string;
}

/**
 * What a request records in a meeting (the handler adds today's date); programmings are recorded by the commitments'
 * path (DecisionProgrammings).
 */
export type MeetingRequestCommand = WithoutToday<Extract<MeetingCommand, { type: 'hold' | 'takeDecision' | 'recordMinutes' }>>;

export type MeetingView = ReturnType<typeof meetingView>;
function meetingView(id: string, state: MeetingState, events: { recordedAt: string; envelope: { actor: unknown } }[]) {
  if (state.status === 'none') throw new NotFound('meeting', id);
  const { meetingId: _id, ...rest } = state;
  return { id, ...rest, recordedAt: events[0].recordedAt, recordedBy: events[0].envelope.actor };
}

@Injectable()
export class MeetingService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    private readonly directories: OperationDirectories,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** The meeting now, or right after a given revision (a write's own answer). */
  async view(domain: string, meetingId: string, upToRevision?: number): Promise<MeetingView> {
    if (!this.directories.served(domain)) throw new NotFound('domain', domain);
    const loaded = await this.repository.load(meetingStreamName(meetingId), (events: MeetingEvent[]) => foldMeeting(events), { upToRevision });
    return meetingView(meetingId, loaded.state, loaded.events);
  }

  async record(
    domain: string,
    meetingId: string,
    command: MeetingRequestCommand,
    ctx: CommandContext,
    request: WriteRequest,
    isNew: boolean,
  ): Promise<MeetingView> {
    if (!this.directories.served(domain)) throw new NotFound('domain', domain);
    if (command.type === 'hold') {
      const body = this.referentials.governanceBodies.at(command.body, command.date);
      if (!body)
        throw new RuleViolation(
          this.referentials.governanceBodies.has(command.body) ? 'body-not-sitting-at-date' : 'unknown-governance-body',
          `${command.body} n'est pas une instance de gouvernance qui siège au ${formatBusinessDate(command.date)} (voir /referentials/governanceBodies)`,
          'body',
        );
    }
    const outcome = await this.commands.run(ctx, {
      stream: meetingStreamName(meetingId),
      fold: (events: MeetingEvent[]) => foldMeeting(events),
      decide: ({ state }) => {
        if (!isNew && state.status === 'none') throw new NotFound('meeting', meetingId);
        // A meeting's id derives from the Idempotency-Key: a retry after a crash finds it held (CommandPath answers as
        // of that write; this guard is for a stream that has it under other event ids).
        if (isNew && state.status !== 'none') return { events: [], meta: { occurredAt: state.date } };
        const date = command.type === 'hold' ? command.date : state.status === 'held' ? state.date : '';
        const decided: MeetingCommand = command.type === 'hold' ? { ...command, today: todayInParis(this.clock) } : command;
        return { events: decideMeeting(decided, state), meta: { occurredAt: date, sourceDocument: request.sourceDocument } };
      },
    });
    return this.view(domain, meetingId, outcome.revision);
  }
}

export class RecordMeeting extends Command<MeetingView> {
  constructor(
    readonly domain: string,
    readonly meetingId: string,
    readonly command: MeetingRequestCommand,
    readonly request: WriteRequest,
    readonly ctx: CommandContext,
    readonly isNew: boolean,
  ) {
    super();
  }
}

@CommandHandler(RecordMeeting)
export class RecordMeetingHandler implements ICommandHandler<RecordMeeting> {
  constructor(private readonly meetings: MeetingService) {}
  execute(c: RecordMeeting): Promise<MeetingView> {
    return this.meetings.record(c.domain, c.meetingId, c.command, c.ctx, c.request, c.isNew);
  }
}

export class GetMeeting extends Query<MeetingView> {
  constructor(
    readonly domain: string,
    readonly meetingId: string,
  ) {
    super();
  }
}

@QueryHandler(GetMeeting)
export class GetMeetingHandler implements IQueryHandler<GetMeeting> {
  constructor(private readonly meetings: MeetingService) {}
  execute(q: GetMeeting): Promise<MeetingView> {
    return this.meetings.view(q.domain, q.meetingId);
  }
}

/** Meetings of the governance bodies and the decisions they take: first-class facts commitments point to. */
@ApiTags('meetings and decisions')
@ApiETag()
@ApiParam({ name: 'domain', description: 'A domain this service serves (its URL segment)' })
@Controller(':domain/meetings')
export class MeetingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly gate: ReadScopeGate,
  ) {}

  /**
   * A meeting's decisions (subjects, outcomes, the amounts approved per financer) are the signatories' shared record of
   * the comité: every reader sees them. What each commitment programmed under them is that commitment's: a partner sees
   * its own party's programmings, a sous-préfecture those of its arrondissement's operations.
   */
  private async programmingsSeenIn(scope: ReadScope, programmings: MeetingView['programmings']) {
    const seen = [];
    for (const p of programmings) if (await this.gate.admitsCommitmentId(scope, p.commitmentId)) seen.push(p);
    return seen;
  }

  private send(res: Response, view: MeetingView, created = false): MeetingView {
    res.setHeader('ETag', etag(view.revision));
    if (created) res.setHeader('Location', `meetings/${view.id}`);
    return view;
  }

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Record a meeting of a governance body (COPIL, comité partenarial, comité des financeurs…)' })
  async hold(@Param('domain') domain: string, @Body() b: RecordMeetingRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const meetingId = newIdFor(ctx, 'meeting');
    const command: MeetingRequestCommand = {
      type: 'hold',
      meetingId,
      body: b.body,
      date: b.date,
      place: b.place,
      ...(b.minutesReference ? { minutesReference: b.minutesReference } : {}),
    };
    const view = await this.commands.execute(new RecordMeeting(domain, meetingId, command, b, ctx, true));
    res.setHeader('Location', `/${domain}/meetings/${meetingId}`);
    return this.send(res, view);
  }

  @Post(':id/decisions')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record a decision the meeting took (subject, outcome, amounts)' })
  async decide(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: TakeDecisionRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const command: MeetingRequestCommand = {
      type: 'takeDecision',
      decisionId: b.decisionId ?? newIdFor(ctx, 'decision'),
      subject: b.subject,
      outcome: b.outcome,
      ...(b.operationId ? { operationId: b.operationId } : {}),
      amounts: b.amounts.map((a) => ({ financer: a.financer, ...(a.fundingLine ? { fundingLine: a.fundingLine } : {}), amountCents: centsOf(a) })),
    };
    return this.send(res, await this.commands.execute(new RecordMeeting(domain, id, command, b, ctx, false)));
  }

  @Post(':id/minutes')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record the reference of the minutes' })
  async minutes(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: RecordMinutesRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.send(
      res,
      await this.commands.execute(new RecordMeeting(domain, id, { type: 'recordMinutes', minutesReference: b.minutesReference }, b, ctx, false)),
    );
  }

  @Get(':id')
  @Access('read')
  @ApiOperation({ summary: 'A meeting and its decisions' })
  async get(@Param('domain') domain: string, @Param('id') id: string, @ReaderScope() scope: ReadScope, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetMeeting(domain, id));
    return this.send(res, { ...view, programmings: await this.programmingsSeenIn(scope, view.programmings) });
  }
}
