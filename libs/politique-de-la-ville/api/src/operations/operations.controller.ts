import { Body, Controller, Get, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, ApiETag, ApiIfMatch, type CommandContext, Ctx, etag, newIdFor } from '@erbm/shared/api';
import { POLITIQUE_DE_LA_VILLE_DOMAIN } from '@erbm/politique-de-la-ville/contracts';
import { AmendOperationRequest, RegisterOperationRequest } from './operation.requests';
import { type OperationView, PolitiqueDeLaVilleOperationReader } from './operation-reader';
import { RecordPolitiqueDeLaVilleOperationFact } from './record-operation-fact';

/** The operations of this domain; their commitments, meetings and decisions are the ledger's routes under the same prefix. */
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
  @ApiOperation({ summary: 'Register an operation: its name, its commune, its eligible cost' })
  async register(@Body() b: RegisterOperationRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const operationId = newIdFor(ctx, 'operation');
    const command = {
      type: 'register',
      operationId,
      name: b.name,
      communeInsee: b.communeInsee,
      eligibleCostCents: b.eligibleCostCents,
      date: b.date,
    } as const;
    const view = await this.commands.execute(new RecordPolitiqueDeLaVilleOperationFact(operationId, command, b, ctx));
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
  @ApiOperation({ summary: 'Every operation, from the register read model (the answer says up to which checkpoint)' })
  list() {
    return this.operations.list();
  }

  @Get(':id')
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiETag()
  @ApiOperation({ summary: 'An operation with its commitments and their ledgers, read from its stream' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.operations.view(id));
  }
}
