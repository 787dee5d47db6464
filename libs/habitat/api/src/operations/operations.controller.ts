import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  ApiETag,
  ApiIfMatch,
  type CommandContext,
  Ctx,
  FieldErrors,
  InjectClock,
  type ReadScope,
  ReaderScope,
  WholeProgramme,
  asOfQuery,
  etag,
  instantParam,
  newIdFor,
} from '@erbm/shared/api';
import type { Clock } from '@erbm/shared/kernel';
import { HABITAT_DOMAIN } from '@erbm/habitat/contracts';
import type { OperationDetails } from '@erbm/habitat/domain';
import { GetOperation } from './get-operation';
import type { OperationView } from './habitat-operations';
import { GetIndicators, ListOperations } from './list-operations';
import { AmendOperationRequest, RecordDeliveryRequest, RecordPhaseRequest, RegisterOperationRequest } from './operation.requests';
import { type OperationRequestCommand, RecordOperationFact } from './record-operation-fact';

const DOMAIN = HABITAT_DOMAIN;

/**
 * Rehabilitation operations of mining dwellings. One operation is read from its streams, fresh right after a write;
 * the list comes from the read models and says how fresh it is.
 */
@ApiTags('habitat operations')
@Controller('habitat/operations')
export class OperationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @InjectClock() private readonly clock: Clock,
  ) {}

  private send(res: Response, view: OperationView): OperationView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write', DOMAIN)
  @ApiETag()
  @ApiOperation({ summary: 'Register a rehabilitation operation (cité, commune, landlord, dwellings, energy labels)' })
  async register(@Body() b: RegisterOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const operationId = newIdFor(ctx, 'operation');
    const { sourceDocument: _s, date, ...details } = b;
    const command: OperationRequestCommand = { type: 'register', operationId, date, ...(details as OperationDetails) };
    const view = await this.commands.execute(new RecordOperationFact(operationId, command, b, ctx));
    res.setHeader('Location', `/habitat/operations/${operationId}`);
    return this.send(res, view);
  }

  @Patch(':id')
  @Access('write', DOMAIN)
  @ApiIfMatch()
  @ApiOperation({ summary: 'Amend an operation: the fields that change, and why' })
  async amend(@Param('id') id: string, @Body() b: AmendOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const { sourceDocument: _s, date, reason, ...changes } = b;
    return this.send(res, await this.commands.execute(new RecordOperationFact(id, { type: 'amend', changes, reason, date }, b, ctx)));
  }

  @Post(':id/phases')
  @HttpCode(200)
  @Access('write', DOMAIN)
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record a phase reached: studies, works started, delivered' })
  async phase(@Param('id') id: string, @Body() b: RecordPhaseRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.commands.execute(new RecordOperationFact(id, { type: 'recordPhase', phase: b.phase, date: b.date }, b, ctx)));
  }

  @Post(':id/deliveries')
  @HttpCode(200)
  @Access('write', DOMAIN)
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record dwellings delivered on a date' })
  async delivery(@Param('id') id: string, @Body() b: RecordDeliveryRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.commands.execute(new RecordOperationFact(id, { type: 'recordDelivery', dwellings: b.dwellings, date: b.date }, b, ctx)));
  }

  @Get()
  @Access('read', DOMAIN)
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date for the indicators (default: today, Europe/Paris)' })
  @ApiOperation({ summary: 'Every habitat operation with its financing totals and indicators, from the read models (see freshness)' })
  async list(@ReaderScope() scope: ReadScope, @Query('asOf') asOf?: string) {
    const errors = new FieldErrors();
    const date = asOfQuery(asOf, this.clock, errors);
    errors.check();
    return { asOf: date, ...(await this.queries.execute(new ListOperations(date, scope))) };
  }

  @Get(':id')
  @Access('read', DOMAIN)
  @ApiETag()
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date for the indicators (default: today, Europe/Paris)' })
  @ApiQuery({ name: 'asKnownAt', required: false, description: 'ISO date-time: the operation and its commitments as the system knew them then' })
  @ApiOperation({ summary: 'An operation with its commitments, their ledgers and warnings, and its indicators' })
  async get(
    @Param('id') id: string,
    @ReaderScope() scope: ReadScope,
    @Res({ passthrough: true }) res: Response,
    @Query('asOf') asOf?: string,
    @Query('asKnownAt') asKnownAt?: string,
  ) {
    const errors = new FieldErrors();
    const date = asOfQuery(asOf, this.clock, errors);
    const knownAt = asKnownAt === undefined ? undefined : instantParam(errors, 'asKnownAt', asKnownAt);
    errors.check();
    return this.send(res, await this.queries.execute(new GetOperation(id, date, knownAt, scope)));
  }
}

/** The habitat indicators, added up over every operation and compared with the 23,000 dwellings target. */
@ApiTags('habitat indicators')
@Controller('habitat/indicators')
export class IndicatorsController {
  constructor(
    private readonly queries: QueryBus,
    @InjectClock() private readonly clock: Clock,
  ) {}

  @Get()
  @Access('read', DOMAIN)
  // Counted over every operation, whoever finances it: not a partner's or an arrondissement's part.
  @WholeProgramme()
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date (default: today, Europe/Paris)' })
  @ApiOperation({ summary: 'Dwellings financed, works started and delivered, each with its definition, against the 23,000 target' })
  async get(@Query('asOf') asOf?: string) {
    const errors = new FieldErrors();
    const date = asOfQuery(asOf, this.clock, errors);
    errors.check();
    return { asOf: date, ...(await this.queries.execute(new GetIndicators(date))) };
  }
}
