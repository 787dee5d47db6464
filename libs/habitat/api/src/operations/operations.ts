import { Body, Controller, Get, HttpCode, Inject, Injectable, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler, type IQueryHandler, Query as CqrsQuery, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, type CommandContext, CommandPath, Ctx, EventSourcedRepository, ProblemException, REFERENTIALS, etag, newIdFor } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { type CommitmentView, CommitmentReader, commitmentView } from '@erbm/ledger/api';
import { LEDGERS, type Ledgers } from '@erbm/ledger/domain';
import { NotFound, RuleViolation, parseBusinessDate, todayInParis } from '@erbm/shared/kernel';
import {
  type OperationCommand,
  type OperationDetails,
  type OperationEvent,
  type OperationState,
  decideOperation,
  foldOperation,
  type IndicatorReport,
  indicatorReport,
  operationIndicators,
  operationStreamName,
} from '@erbm/habitat/domain';
import { AmendOperationRequest, RecordDeliveryRequest, RecordPhaseRequest, RegisterOperationRequest } from './operation.requests';

const DOMAIN = 'habitat';

@Injectable()
export class HabitatOperations {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commitments: CommitmentReader,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  load(operationId: string, recordedUpTo?: string) {
    return this.repository.load<OperationState, OperationEvent>(operationStreamName(operationId), foldOperation, { recordedUpTo });
  }

  /**
   * Every habitat operation, found by scanning the global log for registrations. It reads the whole log: right for
   * the embedded demo and small databases; the operation register read model (projections) replaces it at scale.
   */
  async operationIds(): Promise<string[]> {
    const ids: string[] = [];
    let checkpoint: string | null = null;
    for (;;) {
      const page = await this.repository.store.readAll(checkpoint, 10_000);
      for (const e of page.events) if (e.type === 'habitat.OperationRegistered') ids.push((e.data as { operationId: string }).operationId);
      checkpoint = page.checkpoint;
      if (page.isEnd) return ids;
    }
  }

  async list(asOf: string) {
    const views = [];
    for (const id of await this.operationIds()) views.push(await this.view(id, { asOf }));
    return views;
  }

  /** Checks the referentials at the operation's date and derives the arrondissement from the commune. */
  resolveTerritory(details: Partial<OperationDetails>, date: string): Partial<OperationDetails> {
    const out = { ...details };
    if (details.communeInsee !== undefined) {
      const commune = this.referentials.communes.at(details.communeInsee, date);
      if (!commune) throw new RuleViolation('unknown-commune', `Commune ${details.communeInsee} is not in the mining-basin referential on ${date} (see /referentials/communes)`, 'communeInsee');
      if (details.arrondissement !== undefined && details.arrondissement !== commune.arrondissement)
        throw new RuleViolation('arrondissement-mismatch', `${commune.name} lies in arrondissement ${commune.arrondissement}, not ${details.arrondissement}`, 'arrondissement');
      out.arrondissement = commune.arrondissement;
    }
    if (details.landlord !== undefined) {
      const landlord = this.referentials.parties.at(details.landlord, date);
      if (!landlord || landlord.kind !== 'social-landlord')
        throw new RuleViolation('unknown-landlord', `${details.landlord} is not a social landlord known on ${date} (see /referentials/parties)`, 'landlord');
    }
    return out;
  }

  async view(operationId: string, options: { asOf?: string; recordedUpTo?: string } = {}) {
    const { state, events } = await this.load(operationId, options.recordedUpTo);
    if (state.status === 'none') throw new NotFound('operation', operationId);
    const commitments: CommitmentView[] = [];
    const states = [];
    for (const line of state.financingPlan) {
      const loaded = await this.commitments.load(DOMAIN, line.commitmentId, options.recordedUpTo).catch((e) => {
        if (e instanceof NotFound) return undefined;
        throw e;
      });
      if (!loaded) continue;
      states.push(loaded.state);
      commitments.push(commitmentView(line.commitmentId, loaded.state, loaded.events));
    }
    const totals = Object.fromEntries(LEDGERS.map((l) => [l, commitments.reduce((s, c) => s + c.ledgers[l], 0)])) as Ledgers;
    const commune = this.referentials.communes.at(state.communeInsee, state.registeredOn);
    const arrondissement = this.referentials.arrondissements.at(state.arrondissement, state.registeredOn);
    const landlord = this.referentials.parties.at(state.landlord, state.registeredOn);
    const asOf = options.asOf ?? todayInParis();
    const { financingPlan: _plan, revision, ...rest } = state;
    return {
      id: operationId,
      domain: DOMAIN,
      revision,
      ...rest,
      communeName: commune?.name,
      arrondissementName: arrondissement?.name,
      landlordName: landlord?.name,
      recordedAt: events[0].recordedAt,
      recordedBy: events[0].envelope.actor,
      financing: {
        totals,
        resteAPayerCents: commitments.reduce((s, c) => s + c.resteAPayerCents, 0),
        warnings: commitments.reduce((s, c) => s + c.warnings.length, 0),
      },
      indicators: { asOf, ...operationIndicators(state, states, asOf) },
      commitments,
    };
  }
}

export type OperationView = Awaited<ReturnType<HabitatOperations['view']>>;

export class RecordOperationFact extends Command<OperationView> {
  constructor(readonly operationId: string, readonly command: OperationCommand, readonly request: { sourceDocument?: { kind: string; reference: string; sha256?: string } }, readonly ctx: CommandContext) {
    super();
  }
}

@CommandHandler(RecordOperationFact)
export class RecordOperationFactHandler implements ICommandHandler<RecordOperationFact> {
  constructor(private readonly operations: HabitatOperations, private readonly commands: CommandPath) {}

  async execute({ operationId, command, request, ctx }: RecordOperationFact): Promise<OperationView> {
    await this.commands.run(ctx, {
      stream: operationStreamName(operationId),
      fold: foldOperation,
      decide: ({ state }) => {
        if (command.type !== 'register' && state.status === 'none') throw new NotFound('operation', operationId);
        // An operation's id derives from the Idempotency-Key: a retry after a crash finds it registered already.
        if (command.type === 'register' && state.status !== 'none') return { events: [], meta: { occurredAt: command.date } };
        const resolved: OperationCommand =
          command.type === 'register'
            ? ({ ...command, ...this.operations.resolveTerritory(command, command.date) } as OperationCommand)
            : command.type === 'amend'
              ? { ...command, changes: this.operations.resolveTerritory(command.changes, command.date) }
              : command;
        return {
          events: decideOperation(resolved, state),
          meta: { occurredAt: command.date, reason: command.type === 'amend' ? command.reason : undefined, sourceDocument: request.sourceDocument },
        };
      },
    });
    return this.operations.view(operationId);
  }
}

export class GetOperation extends CqrsQuery<OperationView> {
  constructor(readonly operationId: string, readonly asOf?: string, readonly recordedUpTo?: string) {
    super();
  }
}

@QueryHandler(GetOperation)
export class GetOperationHandler implements IQueryHandler<GetOperation> {
  constructor(private readonly operations: HabitatOperations) {}
  execute(q: GetOperation): Promise<OperationView> {
    return this.operations.view(q.operationId, { asOf: q.asOf, recordedUpTo: q.recordedUpTo });
  }
}

function asOfDate(asOf: string | undefined): string {
  if (asOf === undefined) return todayInParis();
  const date = parseBusinessDate(asOf);
  if (!date) throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'asOf is a date (yyyy-mm-dd or dd/mm/yyyy)', { errors: [{ field: 'asOf', reason: 'is not a date' }] });
  return date;
}

export class ListOperations extends CqrsQuery<OperationView[]> {
  constructor(readonly asOf: string) {
    super();
  }
}

@QueryHandler(ListOperations)
export class ListOperationsHandler implements IQueryHandler<ListOperations> {
  constructor(private readonly operations: HabitatOperations) {}
  execute(q: ListOperations): Promise<OperationView[]> {
    return this.operations.list(q.asOf);
  }
}

export class GetIndicators extends CqrsQuery<IndicatorReport[]> {
  constructor(readonly asOf: string) {
    super();
  }
}

@QueryHandler(GetIndicators)
export class GetIndicatorsHandler implements IQueryHandler<GetIndicators> {
  constructor(private readonly operations: HabitatOperations) {}
  async execute(q: GetIndicators): Promise<IndicatorReport[]> {
    const views = await this.operations.list(q.asOf);
    return indicatorReport(views.map((v) => v.indicators), q.asOf);
  }
}

/** The habitat indicators, added up over every operation and compared with the 23,000 dwellings target. */
@ApiTags('habitat indicators')
@Controller('habitat/indicators')
export class IndicatorsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Access('read', DOMAIN)
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date (default: today, Europe/Paris)' })
  @ApiOperation({ summary: 'Dwellings financed, works started and delivered, each with its definition, against the 23,000 target' })
  async get(@Query('asOf') asOf?: string) {
    const date = asOfDate(asOf);
    return { asOf: date, indicators: await this.queries.execute(new GetIndicators(date)) };
  }
}

const IfMatch = () => ApiHeader({ name: 'If-Match', required: false, description: 'ETag (revision) last read: a stale one gets 409' });
const IdempotencyKey = () => ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried write return the first answer and write nothing more' });

/** Rehabilitation operations of mining dwellings: each read comes from the streams, fresh right after a write. */
@ApiTags('habitat operations')
@Controller('habitat/operations')
export class OperationsController {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus) {}

  private send(res: Response, view: OperationView): OperationView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write', DOMAIN)
  @IdempotencyKey()
  @ApiOperation({ summary: 'Register a rehabilitation operation (cité, commune, landlord, dwellings, energy labels)' })
  async register(@Body() b: RegisterOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const operationId = newIdFor(ctx, 'operation');
    const { sourceDocument: _s, date, ...details } = b;
    const command: OperationCommand = { type: 'register', operationId, date, ...(details as OperationDetails) };
    const view = await this.commands.execute(new RecordOperationFact(operationId, command, b, ctx));
    res.setHeader('Location', `/habitat/operations/${operationId}`);
    return this.send(res, view);
  }

  @Patch(':id')
  @Access('write', DOMAIN)
  @IfMatch()
  @IdempotencyKey()
  @ApiOperation({ summary: 'Amend an operation: the fields that change, and why' })
  async amend(@Param('id') id: string, @Body() b: AmendOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const { sourceDocument: _s, date, reason, ...changes } = b;
    return this.send(res, await this.commands.execute(new RecordOperationFact(id, { type: 'amend', changes, reason, date }, b, ctx)));
  }

  @Post(':id/phases')
  @HttpCode(200)
  @Access('write', DOMAIN)
  @IfMatch()
  @IdempotencyKey()
  @ApiOperation({ summary: 'Record a phase reached: studies, works started, delivered' })
  async phase(@Param('id') id: string, @Body() b: RecordPhaseRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.commands.execute(new RecordOperationFact(id, { type: 'recordPhase', phase: b.phase, date: b.date }, b, ctx)));
  }

  @Post(':id/deliveries')
  @HttpCode(200)
  @Access('write', DOMAIN)
  @IfMatch()
  @IdempotencyKey()
  @ApiOperation({ summary: 'Record dwellings delivered on a date' })
  async delivery(@Param('id') id: string, @Body() b: RecordDeliveryRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.commands.execute(new RecordOperationFact(id, { type: 'recordDelivery', dwellings: b.dwellings, date: b.date }, b, ctx)));
  }

  @Get()
  @Access('read', DOMAIN)
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date for the indicators (default: today, Europe/Paris)' })
  @ApiOperation({ summary: 'Every habitat operation with its financing totals and indicators' })
  async list(@Query('asOf') asOf?: string) {
    const date = asOfDate(asOf);
    const views = await this.queries.execute(new ListOperations(date));
    return {
      asOf: date,
      operations: views.map(({ commitments, ...operation }) => ({ ...operation, commitments: commitments.length })),
    };
  }

  @Get(':id')
  @Access('read', DOMAIN)
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date for the indicators (default: today, Europe/Paris)' })
  @ApiQuery({ name: 'asKnownAt', required: false, description: 'ISO date-time: the operation and its commitments as the system knew them then' })
  @ApiOperation({ summary: 'An operation with its commitments, their ledgers and warnings, and its indicators' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response, @Query('asOf') asOf?: string, @Query('asKnownAt') asKnownAt?: string) {
    const date = asOfDate(asOf);
    if (asKnownAt !== undefined && Number.isNaN(Date.parse(asKnownAt)))
      throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'asKnownAt is an ISO 8601 date-time', { errors: [{ field: 'asKnownAt', reason: 'is not a date-time' }] });
    return this.send(res, await this.queries.execute(new GetOperation(id, date, asKnownAt)));
  }
}
