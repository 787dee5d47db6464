import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
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
  type WriteRequest,
  etag,
  instantParam,
} from '@erbm/shared/api';
import { ReadScopeGate } from '@erbm/ledger/read-models';
import { AnnounceCommitment, type CommitmentResult, GetCommitment, RecordCommitmentStep } from './commitment.handlers';
import { ProgrammeCommitment } from './programme-commitment';
import { type StepBuilder, steps } from './commitment-steps';
import * as R from './commitment.requests';
import type { CommitmentView } from './commitment-view';

const DomainParam = () => ApiParam({ name: 'domain', description: 'A domain this service serves (its URL segment)' });

function answer(res: Response, result: CommitmentResult): CommitmentView {
  res.setHeader('ETag', etag(result.view.revision));
  return result.view;
}

/** Every step of a commitment's life, one route each; the decider enforces the rules, warnings come back in the view. */
@ApiTags('commitments')
@ApiETag()
@DomainParam()
@Controller(':domain')
export class CommitmentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly gate: ReadScopeGate,
  ) {}

  @Post('operations/:operationId/commitments')
  @Access('write')
  @ApiOperation({ summary: "Announce a financer's commitment to an operation, on one funding line" })
  async announce(
    @Param('domain') domain: string,
    @Param('operationId') operationId: string,
    @Body() body: R.AnnounceCommitmentRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.commands.execute(new AnnounceCommitment(domain, operationId, body, ctx));
    res.setHeader('Location', `/${domain}/commitments/${result.view.id}`);
    return answer(res, result);
  }

  @Get('commitments/:id')
  @Access('read')
  @ApiQuery({ name: 'asKnownAt', required: false, description: 'ISO date-time: the commitment as the system knew it then' })
  @ApiOperation({ summary: 'A commitment with each ledger, its warnings and every fact (who recorded it, when, why)' })
  async get(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @ReaderScope() scope: ReadScope,
    @Res({ passthrough: true }) res: Response,
    @Query('asKnownAt') asKnownAt?: string,
  ) {
    const errors = new FieldErrors();
    const knownAt = asKnownAt === undefined ? undefined : instantParam(errors, 'asKnownAt', asKnownAt);
    errors.check();
    const view = await this.queries.execute(new GetCommitment(domain, id, knownAt));
    await this.gate.requireCommitment(scope, view, id);
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  private step(domain: string, id: string, build: StepBuilder, body: WriteRequest, ctx: CommandContext, res: Response) {
    return this.commands.execute(new RecordCommitmentStep(domain, id, build, body, ctx)).then((r) => answer(res, r));
  }

  @Post('commitments/:id/programme')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({
    summary: "Programme money by an approved decision, within what it approved for the commitment's financer and funding line",
  })
  programme(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.ProgrammeRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.commands.execute(new ProgrammeCommitment(d, id, b, c)).then((result) => answer(r, result));
  }

  @Post('commitments/:id/commit')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Commit by a legal act (arrêté, convention, délibération, EJ); above what was programmed needs a decision' })
  commit(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.CommitRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.commit(b), b, c, r);
  }

  @Post('commitments/:id/increase')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Increase the committed amount (avenant); a reason is required' })
  increase(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.IncreaseRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.step(d, id, steps.increase(b), b, c, r);
  }

  @Post('commitments/:id/reduce')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Reduce the committed amount; a reason is required' })
  reduce(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.ReduceRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.reduce(b), b, c, r);
  }

  @Post('commitments/:id/carry-over')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Carry the commitment over to the next fiscal year' })
  carryOver(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.CarryOverRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.step(d, id, steps.carryOver(b), b, c, r);
  }

  @Post('commitments/:id/change-funding-line')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: "Move the commitment to another of the financer's budget lines" })
  changeFundingLine(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.ChangeFundingLineRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.step(d, id, steps.changeFundingLine(b), b, c, r);
  }

  @Post('commitments/:id/certify')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Certify a service fait' })
  certify(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.ReferencedMoneyRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.step(d, id, steps.certify(b), b, c, r);
  }

  @Post('commitments/:id/order')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Order a payment (payment request, mandat)' })
  order(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.ReferencedMoneyRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.step(d, id, steps.order(b), b, c, r);
  }

  @Post('commitments/:id/pay')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record a payment: advance, interim or balance' })
  pay(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.PayRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.pay(b), b, c, r);
  }

  @Post('commitments/:id/release')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Release (de-commit) what will not be paid; a reason is required' })
  release(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.ReleaseRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.release(b), b, c, r);
  }

  @Post('commitments/:id/lapse')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'The commitment lapses (caducité): what was not paid is released' })
  lapse(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.LapseRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.lapse(b), b, c, r);
  }

  @Post('commitments/:id/recover')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Recover money paid (titre de recette)' })
  recover(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.RecoverRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.recover(b), b, c, r);
  }

  @Post('commitments/:id/close')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Close the commitment: nothing more can be recorded on it' })
  close(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.CloseRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.close(b), b, c, r);
  }

  @Post('commitments/:id/beneficiary')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Set or change who receives the money (a registered beneficiary); a reason is required' })
  assignBeneficiary(
    @Param('domain') d: string,
    @Param('id') id: string,
    @Body() b: R.AssignBeneficiaryRequest,
    @Ctx() c: CommandContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.step(d, id, steps.assignBeneficiary(b), b, c, r);
  }

  @Post('commitments/:id/correct')
  @HttpCode(200)
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Correct an earlier fact: a new fact pointing at the one it corrects' })
  correct(@Param('domain') d: string, @Param('id') id: string, @Body() b: R.CorrectRequest, @Ctx() c: CommandContext, @Res({ passthrough: true }) r: Response) {
    return this.step(d, id, steps.correct(b), b, c, r);
  }
}
