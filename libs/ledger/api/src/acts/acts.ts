import { Body, Controller, Get, Inject, Injectable, Param, Post, Query as QueryParams, Res } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler, type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  type ReadScope,
  ReaderScope,
  Access,
  ApiETag,
  ApiIfMatch,
  BusinessDate,
  type CommandContext,
  CommandPath,
  Ctx,
  EventSourcedRepository,
  FieldErrors,
  InjectClock,
  NestedList,
  OneOf,
  REFERENTIALS,
  ReadModels,
  Text,
  WriteRequest,
  centsOf,
  etag,
  newIdFor,
} from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import {
  ACT_KINDS,
  ACT_KIND_LABELS,
  type ActCommand,
  type ActEvent,
  type ActState,
  type DecisionAmount,
  actStreamName,
  decideAct,
  foldAct,
} from '@erbm/ledger/domain';
import { type ActSummary, type Freshness, GOVERNANCE_REGISTER, ReadScopeGate, actsOf, freshness } from '@erbm/ledger/read-models';
import { type Clock, NotFound, RuleViolation, type WithoutToday, formatBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { DecisionAmountRequest, governanceListQuery } from '../meetings/meetings';

export class RecordActRequest extends WriteRequest {
  @OneOf(ACT_KINDS, {
    description: Object.entries(ACT_KIND_LABELS)
      .map(([k, l]) => `${k}: ${l}`)
      .join('; '),
  })
  kind!: (typeof ACT_KINDS)[number];

  @Text({ max: 100, description: 'Who issued it: a party id (see /referentials/parties) or a governance body id (a jury)', example: 'etat' })
  issuer!: string;

  @Text({ max: 200, description: 'Arrêté n°, délibération n°, convention n°…', example: 'CP-2023-0412' })
  reference!: string;

  @BusinessDate({ description: 'Date the act was signed or adopted' })
  date!: string;

  @Text({ optional: true, max: 1000, description: 'Reference or URL of the signed document' })
  document?: string;

  @Text({ max: 1000, example: 'Subvention à la rénovation de la cité 12/14' })
  subject!: string;

  @Text({ optional: true, max: 100, description: 'The operation the act is about' })
  operationId?: string;

  @NestedList(() => DecisionAmountRequest, { max: 50 })
  amounts!: DecisionAmountRequest[];
}

export class AmendActRequest extends WriteRequest {
  @BusinessDate({ description: 'Date of the amending act' })
  date!: string;

  @Text({ max: 1000, description: 'Why the act is amended' })
  reason!: string;

  @Text({ optional: true, max: 200, description: 'Reference of the amending act' })
  reference?: string;

  @Text({ optional: true, max: 1000, description: 'Reference or URL of the amended document' })
  document?: string;

  @NestedList(() => DecisionAmountRequest, { optional: true, max: 50, description: 'The amounts as amended (all of them)' })
  amounts?: DecisionAmountRequest[];
}

export type ActRequestCommand = WithoutToday<Extract<ActCommand, { type: 'record' | 'amend' }>>;

const amountsOf = (amounts: DecisionAmountRequest[]): DecisionAmount[] =>
  amounts.map((a) => ({ financer: a.financer, ...(a.fundingLine ? { fundingLine: a.fundingLine } : {}), amountCents: centsOf(a) }));

export type ActView = ReturnType<ActService['viewOf']>;

@Injectable()
export class ActService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** The issuer's name: a party's or a governance body's, as the referential names it at the act's date. */
  issuerName(issuer: string, date: string): string | undefined {
    return this.referentials.parties.at(issuer, date)?.name ?? this.referentials.governanceBodies.at(issuer, date)?.name;
  }

  viewOf(id: string, state: ActState, events: { recordedAt: string; envelope: { actor: unknown } }[]) {
    if (state.status === 'none') throw new NotFound('act', id);
    const { actId: _id, status: _s, ...rest } = state;
    return {
      id,
      ...rest,
      actKindLabel: ACT_KIND_LABELS[state.kind],
      issuerName: this.issuerName(state.issuer, state.date) ?? state.issuer,
      recordedAt: events[0].recordedAt,
      recordedBy: events[0].envelope.actor,
    };
  }

  async view(actId: string, upToRevision?: number): Promise<ActView> {
    const loaded = await this.repository.load<ActState, ActEvent>(actStreamName(actId), foldAct, { upToRevision });
    return this.viewOf(actId, loaded.state, loaded.events);
  }

  async record(actId: string, command: ActRequestCommand, ctx: CommandContext, request: WriteRequest, isNew: boolean): Promise<ActView> {
    if (command.type === 'record' && !this.issuerName(command.issuer, command.date))
      throw new RuleViolation(
        'unknown-issuer',
        `${command.issuer} n'est ni une partie ni une instance de gouvernance connue au ${formatBusinessDate(command.date)} (voir /referentials/parties et /referentials/governanceBodies)`,
        'issuer',
      );
    const outcome = await this.commands.run(ctx, {
      stream: actStreamName(actId),
      fold: (events: ActEvent[]) => foldAct(events),
      decide: ({ state }) => {
        if (!isNew && state.status === 'none') throw new NotFound('act', actId);
        // An act's id derives from the Idempotency-Key: a retry after a crash finds it recorded.
        if (isNew && state.status !== 'none') return { events: [], meta: { occurredAt: state.date } };
        return {
          events: decideAct({ ...command, today: todayInParis(this.clock) } as ActCommand, state),
          meta: { occurredAt: command.date, sourceDocument: request.sourceDocument, reason: command.type === 'amend' ? command.reason : undefined },
        };
      },
    });
    return this.view(actId, outcome.revision);
  }
}

export class RecordAct extends Command<ActView> {
  constructor(
    readonly actId: string,
    readonly command: ActRequestCommand,
    readonly request: WriteRequest,
    readonly ctx: CommandContext,
    readonly isNew: boolean,
  ) {
    super();
  }
}

@CommandHandler(RecordAct)
export class RecordActHandler implements ICommandHandler<RecordAct> {
  constructor(private readonly acts: ActService) {}
  execute(c: RecordAct): Promise<ActView> {
    return this.acts.record(c.actId, c.command, c.ctx, c.request, c.isNew);
  }
}

export class GetAct extends Query<ActView> {
  constructor(readonly actId: string) {
    super();
  }
}

@QueryHandler(GetAct)
export class GetActHandler implements IQueryHandler<GetAct> {
  constructor(private readonly acts: ActService) {}
  execute(q: GetAct): Promise<ActView> {
    return this.acts.view(q.actId);
  }
}

export class ListActs extends Query<ActList> {
  constructor(readonly filters: { issuer?: string; kind?: string; from?: string; to?: string; limit: number; offset: number }) {
    super();
  }
}

export interface ActList {
  freshness: Freshness;
  total: number;
  limit: number;
  offset: number;
  rows: (ActSummary & { actKindLabel: string; issuerName: string })[];
}

@QueryHandler(ListActs)
export class ListActsHandler implements IQueryHandler<ListActs> {
  constructor(
    private readonly readModels: ReadModels,
    private readonly acts: ActService,
  ) {}
  async execute({ filters }: ListActs): Promise<ActList> {
    const ds = this.readModels.dataSource(GOVERNANCE_REGISTER);
    const { issuer, kind, ...page } = filters;
    const { total, rows } = await actsOf(ds, { issuer, kind }, page);
    return {
      freshness: await freshness(ds, GOVERNANCE_REGISTER),
      total,
      limit: page.limit,
      offset: page.offset,
      rows: rows.map((r) => ({
        ...r,
        actKindLabel: ACT_KIND_LABELS[r.kind as (typeof ACT_KINDS)[number]] ?? r.kind,
        issuerName: this.acts.issuerName(r.issuer, r.date) ?? r.issuer,
      })),
    };
  }
}

const send = (res: Response, view: ActView): ActView => {
  res.setHeader('ETag', etag(view.revision));
  return view;
};

/**
 * Acts that decide money without a meeting: arrêtés, délibérations, conventions, notifications, a jury's selection
 * (ADR 0018). Commitments are programmed under them as under a meeting's decision. An editor of any domain or an admin
 * records them; everyone reads them.
 */
@ApiTags('acts')
@ApiETag()
@Controller('acts')
export class ActsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly gate: ReadScopeGate,
  ) {}

  @Post()
  @Access('write', 'governance')
  @ApiOperation({ summary: 'Record an act that grants money without a meeting (arrêté, délibération, convention, notification, jury selection)' })
  async record(@Body() b: RecordActRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const actId = newIdFor(ctx, 'act');
    const command: ActRequestCommand = {
      type: 'record',
      actId,
      kind: b.kind,
      issuer: b.issuer,
      reference: b.reference,
      date: b.date,
      ...(b.document ? { document: b.document } : {}),
      subject: b.subject,
      ...(b.operationId ? { operationId: b.operationId } : {}),
      amounts: amountsOf(b.amounts),
    };
    const view = await this.commands.execute(new RecordAct(actId, command, b, ctx, true));
    res.setHeader('Location', `/acts/${actId}`);
    return send(res, view);
  }

  @Get()
  @Access('read', 'governance')
  @ApiQuery({ name: 'issuer', required: false, description: 'Party or governance body id' })
  @ApiQuery({ name: 'kind', required: false, enum: ACT_KINDS })
  @ApiQuery({ name: 'from', required: false, description: 'Acts dated on or after this date' })
  @ApiQuery({ name: 'to', required: false, description: 'Acts dated on or before this date' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOperation({ summary: 'Acts by issuer, kind and date (read model governance-register)' })
  async list(@QueryParams() query: Record<string, string | undefined>) {
    const errors = new FieldErrors();
    const page = governanceListQuery(errors, query);
    if (query.kind !== undefined && !(ACT_KINDS as readonly string[]).includes(query.kind))
      errors.add('kind', `doit valoir l'une des valeurs ${ACT_KINDS.join(', ')}`);
    errors.check();
    return this.queries.execute(new ListActs({ issuer: query.issuer, kind: query.kind, ...page }));
  }

  @Post(':id/amendments')
  @Access('write', 'governance')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record an amendment of the act (a rectifying arrêté, an avenant): its new amounts or document' })
  async amend(@Param('id') id: string, @Body() b: AmendActRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const command: ActRequestCommand = {
      type: 'amend',
      date: b.date,
      reason: b.reason,
      ...(b.reference ? { reference: b.reference } : {}),
      ...(b.document ? { document: b.document } : {}),
      ...(b.amounts ? { amounts: amountsOf(b.amounts) } : {}),
    };
    return send(res, await this.commands.execute(new RecordAct(id, command, b, ctx, false)));
  }

  @Get(':id')
  @Access('read', 'governance')
  @ApiOperation({ summary: 'An act and what commitments programmed under it (a partner or a sous-préfecture sees the programmings in its scope)' })
  async get(@Param('id') id: string, @ReaderScope() scope: ReadScope, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetAct(id));
    return send(res, { ...view, programmings: await this.gate.admitted(scope, view.programmings) });
  }
}
