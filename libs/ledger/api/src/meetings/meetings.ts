import { Body, Controller, Get, Inject, Injectable, Param, Post, Query as QueryParams, Res } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler, type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
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
  FieldErrors,
  NestedList,
  OneOf,
  REFERENTIALS,
  type ReadScope,
  ReaderScope,
  ReadModels,
  Text,
  WriteRequest,
  businessDateParam,
  centsOf,
  etag,
  newIdFor,
  wholeNumberParam,
} from '@erbm/shared/api';
import { type Freshness, GOVERNANCE_REGISTER, type MeetingSummary, freshness, meetingsOf } from '@erbm/ledger/read-models';
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

  /** Under the deprecated `/:domain/meetings`: a domain this process serves, else 404 as before. */
  requireDomain(domain: string | undefined): void {
    if (domain !== undefined && !this.directories.served(domain)) throw new NotFound('domain', domain);
  }

  /** The meeting now, or right after a given revision (a write's own answer). */
  async view(meetingId: string, upToRevision?: number): Promise<MeetingView> {
    const loaded = await this.repository.load(meetingStreamName(meetingId), (events: MeetingEvent[]) => foldMeeting(events), { upToRevision });
    return meetingView(meetingId, loaded.state, loaded.events);
  }

  async record(meetingId: string, command: MeetingRequestCommand, ctx: CommandContext, request: WriteRequest, isNew: boolean): Promise<MeetingView> {
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
    return this.view(meetingId, outcome.revision);
  }
}

export class RecordMeeting extends Command<MeetingView> {
  constructor(
    /** Set under the deprecated `/:domain/meetings` only. */
    readonly domain: string | undefined,
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
    this.meetings.requireDomain(c.domain);
    return this.meetings.record(c.meetingId, c.command, c.ctx, c.request, c.isNew);
  }
}

export class GetMeeting extends Query<MeetingView> {
  constructor(
    readonly domain: string | undefined,
    readonly meetingId: string,
  ) {
    super();
  }
}

@QueryHandler(GetMeeting)
export class GetMeetingHandler implements IQueryHandler<GetMeeting> {
  constructor(private readonly meetings: MeetingService) {}
  execute(q: GetMeeting): Promise<MeetingView> {
    this.meetings.requireDomain(q.domain);
    return this.meetings.view(q.meetingId);
  }
}

/** What the request says to record, the same under `/meetings` and the deprecated `/:domain/meetings`. */
const holdCommand = (meetingId: string, b: RecordMeetingRequest): MeetingRequestCommand => ({
  type: 'hold',
  meetingId,
  body: b.body,
  date: b.date,
  place: b.place,
  ...(b.minutesReference ? { minutesReference: b.minutesReference } : {}),
});

const decisionCommand = (b: TakeDecisionRequest, ctx: CommandContext): MeetingRequestCommand => ({
  type: 'takeDecision',
  decisionId: b.decisionId ?? newIdFor(ctx, 'decision'),
  subject: b.subject,
  outcome: b.outcome,
  ...(b.operationId ? { operationId: b.operationId } : {}),
  amounts: b.amounts.map((a) => ({ financer: a.financer, ...(a.fundingLine ? { fundingLine: a.fundingLine } : {}), amountCents: centsOf(a) })),
});

const send = (res: Response, view: MeetingView): MeetingView => {
  res.setHeader('ETag', etag(view.revision));
  return view;
};

export class ListMeetings extends Query<MeetingList> {
  constructor(readonly filters: { body?: string; from?: string; to?: string; limit: number; offset: number }) {
    super();
  }
}

export interface MeetingList {
  freshness: Freshness;
  total: number;
  limit: number;
  offset: number;
  rows: MeetingSummary[];
}

@QueryHandler(ListMeetings)
export class ListMeetingsHandler implements IQueryHandler<ListMeetings> {
  constructor(private readonly readModels: ReadModels) {}
  async execute({ filters }: ListMeetings): Promise<MeetingList> {
    const ds = this.readModels.dataSource(GOVERNANCE_REGISTER);
    const { body, ...page } = filters;
    const { total, rows } = await meetingsOf(ds, body, page);
    return { freshness: await freshness(ds, GOVERNANCE_REGISTER), total, limit: page.limit, offset: page.offset, rows };
  }
}

/** `?from=&to=` (business dates) and `?limit=&offset=` of a governance list; 400 naming every bad one. */
export function governanceListQuery(errors: FieldErrors, query: Record<string, string | undefined>) {
  const from = query.from === undefined ? undefined : businessDateParam(errors, 'from', query.from);
  const to = query.to === undefined ? undefined : businessDateParam(errors, 'to', query.to);
  if (from && to && from > to) errors.add('to', 'ne peut précéder from');
  return {
    from,
    to,
    limit: query.limit === undefined ? 100 : (wholeNumberParam(errors, 'limit', query.limit, 1, 1000) ?? 0),
    offset: query.offset === undefined ? 0 : (wholeNumberParam(errors, 'offset', query.offset, 0, Number.MAX_SAFE_INTEGER) ?? 0),
  };
}

/**
 * Meetings of every governance body and the decisions they take: first-class facts commitments point to. A COPIL
 * belongs to no domain: an editor of any domain or an admin records them; everyone reads them.
 */
@ApiTags('meetings and decisions')
@ApiETag()
@Controller('meetings')
export class MeetingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly gate: ReadScopeGate,
  ) {}

  @Post()
  @Access('write', 'governance')
  @ApiOperation({ summary: 'Record a meeting of a governance body (COPIL, comité partenarial, comité stratégique, jury…)' })
  async hold(@Body() b: RecordMeetingRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const meetingId = newIdFor(ctx, 'meeting');
    const view = await this.commands.execute(new RecordMeeting(undefined, meetingId, holdCommand(meetingId, b), b, ctx, true));
    res.setHeader('Location', `/meetings/${meetingId}`);
    return send(res, view);
  }

  @Get()
  @Access('read', 'governance')
  @ApiQuery({ name: 'body', required: false, description: 'Governance body id (see /referentials/governanceBodies)' })
  @ApiQuery({ name: 'from', required: false, description: 'Meetings held on or after this date' })
  @ApiQuery({ name: 'to', required: false, description: 'Meetings held on or before this date' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOperation({ summary: 'Meetings by body and by date, with their decisions (read model governance-register)' })
  async list(@QueryParams() query: Record<string, string | undefined>) {
    const errors = new FieldErrors();
    const page = governanceListQuery(errors, query);
    errors.check();
    return this.queries.execute(new ListMeetings({ body: query.body, ...page }));
  }

  @Post(':id/decisions')
  @Access('write', 'governance')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record a decision the meeting took (subject, outcome, amounts)' })
  async decide(@Param('id') id: string, @Body() b: TakeDecisionRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return send(res, await this.commands.execute(new RecordMeeting(undefined, id, decisionCommand(b, ctx), b, ctx, false)));
  }

  @Post(':id/minutes')
  @Access('write', 'governance')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record the reference of the minutes' })
  async minutes(@Param('id') id: string, @Body() b: RecordMinutesRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const command: MeetingRequestCommand = { type: 'recordMinutes', minutesReference: b.minutesReference };
    return send(res, await this.commands.execute(new RecordMeeting(undefined, id, command, b, ctx, false)));
  }

  @Get(':id')
  @Access('read', 'governance')
  @ApiOperation({ summary: 'A meeting, its decisions and what commitments programmed under them' })
  async get(@Param('id') id: string, @ReaderScope() scope: ReadScope, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetMeeting(undefined, id));
    return send(res, { ...view, programmings: await this.gate.admitted(scope, view.programmings) });
  }
}

/**
 * The meetings' first routes, under a domain's URL: kept answering as before for the clients that use them (same
 * handlers, same rights: an editor of that domain), deprecated for `/meetings`.
 */
@ApiTags('meetings and decisions')
@ApiETag()
@ApiParam({ name: 'domain', description: 'A domain this service serves (its URL segment)' })
@Controller(':domain/meetings')
export class DomainMeetingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly gate: ReadScopeGate,
  ) {}

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Record a meeting of a governance body (deprecated: POST /meetings)', deprecated: true })
  async hold(@Param('domain') domain: string, @Body() b: RecordMeetingRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const meetingId = newIdFor(ctx, 'meeting');
    const view = await this.commands.execute(new RecordMeeting(domain, meetingId, holdCommand(meetingId, b), b, ctx, true));
    res.setHeader('Location', `/${domain}/meetings/${meetingId}`);
    return send(res, view);
  }

  @Post(':id/decisions')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record a decision the meeting took (deprecated: POST /meetings/{id}/decisions)', deprecated: true })
  async decide(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: TakeDecisionRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return send(res, await this.commands.execute(new RecordMeeting(domain, id, decisionCommand(b, ctx), b, ctx, false)));
  }

  @Post(':id/minutes')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record the reference of the minutes (deprecated: POST /meetings/{id}/minutes)', deprecated: true })
  async minutes(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: RecordMinutesRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const command: MeetingRequestCommand = { type: 'recordMinutes', minutesReference: b.minutesReference };
    return send(res, await this.commands.execute(new RecordMeeting(domain, id, command, b, ctx, false)));
  }

  @Get(':id')
  @Access('read')
  @ApiOperation({ summary: 'A meeting and its decisions (deprecated: GET /meetings/{id})', deprecated: true })
  async get(@Param('domain') domain: string, @Param('id') id: string, @ReaderScope() scope: ReadScope, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetMeeting(domain, id));
    return send(res, { ...view, programmings: await this.gate.admitted(scope, view.programmings) });
  }
}
