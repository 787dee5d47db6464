import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  ApiETag,
  ApiIfMatch,
  type CommandContext,
  Ctx,
  FieldErrors,
  type ReadScope,
  ReaderScope,
  businessDateParam,
  etag,
  newIdFor,
  wholeNumberParam,
  InjectClock,
} from '@erbm/shared/api';
import { type Clock, todayInParis } from '@erbm/shared/kernel';
import { OPERATION_FLAGS, OPERATION_KINDS, POLITIQUE_DE_LA_VILLE_DOMAIN } from '@erbm/politique-de-la-ville/contracts';
import { DISPOSITIFS_VERSION, dispositifsAt } from '@erbm/politique-de-la-ville/domain';
import { AmendOperationRequest, RegisterOperationRequest } from './operation.requests';
import { type OperationView, PolitiqueDeLaVilleOperationReader } from './operation-reader';
import { RecordPolitiqueDeLaVilleOperationFact } from './record-operation-fact';

/** The posts and actions of politique de la ville; their commitments, meetings and acts are the ledger's routes. */
@ApiTags('politique-de-la-ville operations')
@Controller('politique-de-la-ville/operations')
export class PolitiqueDeLaVilleOperationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly operations: PolitiqueDeLaVilleOperationReader,
  ) {}

  private send(res: Response, view: OperationView): OperationView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiETag()
  @ApiOperation({
    summary: 'Register a post (adulte-relais, FONJEP) or an action: its dispositif, its place (commune, contrat de ville or département), its beneficiary',
  })
  async register(@Body() b: RegisterOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const operationId = newIdFor(ctx, 'operation');
    const { sourceDocument: _source, ...details } = b;
    const view = await this.commands.execute(new RecordPolitiqueDeLaVilleOperationFact(operationId, { type: 'register', operationId, ...details }, b, ctx));
    res.setHeader('Location', `/politique-de-la-ville/operations/${operationId}`);
    return this.send(res, view);
  }

  @Patch(':id')
  @Access('write', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiIfMatch()
  @ApiOperation({ summary: 'Amend an operation: the details that change, and why' })
  async amend(@Param('id') id: string, @Body() b: AmendOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const { sourceDocument: _source, reason, date, ...changes } = b;
    return this.send(res, await this.commands.execute(new RecordPolitiqueDeLaVilleOperationFact(id, { type: 'amend', changes, reason, date }, b, ctx)));
  }

  @Get()
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiQuery({ name: 'kind', required: false, enum: OPERATION_KINDS })
  @ApiQuery({ name: 'postId', required: false, description: "A post's id (without its convention version)" })
  @ApiQuery({
    name: 'flag',
    required: false,
    enum: OPERATION_FLAGS,
    description: 'Only the operations flagged so (no contrat de ville, outside the ERBM perimeter)',
  })
  @ApiOperation({ summary: 'The posts and actions, from the register read model (the answer says up to which checkpoint)' })
  list(@ReaderScope() scope: ReadScope, @Query('kind') kind?: string, @Query('postId') postId?: string, @Query('flag') flag?: string) {
    const errors = new FieldErrors();
    if (kind !== undefined && !(OPERATION_KINDS as readonly string[]).includes(kind)) errors.add('kind', `vaut ${OPERATION_KINDS.join(', ')}`);
    if (flag !== undefined && !(OPERATION_FLAGS as readonly string[]).includes(flag)) errors.add('flag', `vaut ${OPERATION_FLAGS.join(', ')}`);
    if (postId !== undefined && !/^[A-Z0-9]{4,20}$/.test(postId)) errors.add('postId', 'fait de 4 à 20 lettres majuscules et chiffres');
    errors.check();
    return this.operations.list({ kind, postId, flag }, scope);
  }

  @Get(':id')
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiETag()
  @ApiOperation({ summary: 'A post or an action with its conventions, its commitments and their ledgers, its warnings, read from its stream' })
  async get(@Param('id') id: string, @ReaderScope() scope: ReadScope, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.operations.view(id, scope));
  }
}

/** The dispositifs of programme 147, as a versioned referential. */
@ApiTags('politique-de-la-ville operations')
@Controller('politique-de-la-ville/dispositifs')
export class PolitiqueDeLaVilleDispositifsController {
  constructor(@InjectClock() private readonly clock: Clock) {}

  @Get()
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiQuery({ name: 'date', required: false, description: 'The dispositifs in force on this date (default: today, Europe/Paris)' })
  @ApiOperation({ summary: 'The dispositifs in force on a date, with the kind of operation each funds and its source' })
  list(@Query('date') date?: string) {
    const errors = new FieldErrors();
    const on = date === undefined ? todayInParis(this.clock) : businessDateParam(errors, 'date', date);
    errors.check();
    return { version: DISPOSITIFS_VERSION, date: on, dispositifs: dispositifsAt(on as string) };
  }
}

export const yearParam = (year: string | undefined): number | undefined => {
  if (year === undefined) return undefined;
  const errors = new FieldErrors();
  const value = wholeNumberParam(errors, 'year', year, 2000, 2100);
  errors.check();
  return value;
};
