import { Body, Controller, Get, HttpCode, Inject, Injectable, Optional, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  ApiETag,
  ApiIfMatch,
  type CommandContext,
  CommandPath,
  Ctx,
  EventSourcedRepository,
  FieldErrors,
  InjectClock,
  REFERENTIALS,
  ReadModels,
  centsOf,
  etag,
  newIdFor,
  wholeNumberParam,
} from '@erbm/shared/api';
import type { StoredEvent } from '@erbm/shared/event-store';
import type { Referentials } from '@erbm/shared/referentials';
import {
  type EnvelopeAct,
  type EnvelopeCommand,
  type EnvelopeEvent,
  type FundingEnvelopeUse,
  type FundingLineEnvelopesEvent,
  decideEnvelope,
  decideFundingLineEnvelopes,
  envelopeCovers,
  envelopeStreamName,
  foldEnvelope,
  foldFundingLineEnvelopes,
  fundingLineEnvelopesStreamName,
} from '@erbm/ledger/domain';
import { LEDGER_REGISTER, type OpenEnvelope, envelopesOf, fundingLineUse, listedEnvelopes, loadEnvelope } from '@erbm/ledger/read-models';
import { type Clock, NotFound, RuleViolation, formatBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { AmendEnvelopeRequest, type EnvelopeActRequest, OpenEnvelopeRequest } from './envelope.requests';

export type EnvelopeView = ReturnType<typeof envelopeView>;

function envelopeView(id: string, state: OpenEnvelope, events: StoredEvent[], fundingLineLabel: string | null) {
  const { status: _status, envelopeId: _id, amountCents, initialAmountCents, amendments, ...rest } = state;
  return {
    id,
    ...rest,
    fundingLineLabel,
    envelopeCents: amountCents,
    initialEnvelopeCents: initialAmountCents,
    amendments: amendments.map((a, i) => ({
      revision: i + 1,
      changeCents: a.changeCents,
      envelopeCents: a.amountCents,
      reason: a.reason,
      act: a.act,
      recordedAt: events[i + 1]?.recordedAt,
    })),
    recordedAt: events[0].recordedAt,
    recordedBy: events[0].envelope.actor,
  };
}

const actOf = (a: EnvelopeActRequest): EnvelopeAct => ({ kind: a.kind, reference: a.reference, date: a.date, ...(a.document ? { document: a.document } : {}) });

/**
 * Envelopes, read from their streams (exact as of the last write): an envelope is listed in its funding line's stream
 * first, where two openings on the same years cannot both pass, then opened in its own (docs/adr/0020-envelopes.md).
 */
@Injectable()
export class EnvelopeService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
    @Optional() private readonly readModels?: ReadModels,
  ) {}

  private label(fundingLine: string): string | null {
    return this.referentials.fundingLines.all.find((f) => f.id === fundingLine)?.label ?? null;
  }

  async view(envelopeId: string, upToRevision?: number): Promise<EnvelopeView> {
    const loaded = await loadEnvelope(this.repository.store, envelopeId, upToRevision);
    if (!loaded) throw new NotFound('envelope', envelopeId);
    return envelopeView(envelopeId, loaded.state, loaded.events, this.label(loaded.state.fundingLine));
  }

  /** The envelopes of the funding lines asked (every line of the referential by default), covering a year if one is given. */
  async list(filters: { fundingLine?: string; year?: number }): Promise<EnvelopeView[]> {
    const lines = filters.fundingLine ? [filters.fundingLine] : [...new Set(this.referentials.fundingLines.all.map((f) => f.id))];
    const found = await envelopesOf(this.repository.store, lines, filters.year);
    return found.map(({ state, events }) => envelopeView(state.envelopeId, state, events, this.label(state.fundingLine)));
  }

  async open(request: OpenEnvelopeRequest, ctx: CommandContext): Promise<EnvelopeView> {
    const act = actOf(request.act);
    const line = this.referentials.fundingLines.at(request.fundingLine, act.date);
    if (!line)
      throw new RuleViolation(
        this.referentials.fundingLines.has(request.fundingLine) ? 'funding-line-not-valid-at-date' : 'unknown-funding-line',
        `${request.fundingLine} n'est pas une ligne de financement ouverte au ${formatBusinessDate(act.date)}, date de l'acte (voir /referentials/fundingLines)`,
        'fundingLine',
      );
    const envelopeId = newIdFor(ctx, 'envelope');
    const command: EnvelopeCommand = {
      type: 'open',
      envelopeId,
      fundingLine: request.fundingLine,
      kind: request.kind,
      fromYear: request.fromYear,
      toYear: request.toYear ?? request.fromYear,
      amountCents: centsOf(request),
      label: request.label,
      act,
      today: todayInParis(this.clock),
    };
    // Every rule of the envelope itself is checked before its years are taken on the line.
    decideEnvelope(command, { status: 'none' });
    const meta = { occurredAt: act.date, sourceDocument: request.sourceDocument ?? { kind: act.kind, reference: act.reference } };
    // If-Match names a revision of the envelope, which does not exist yet: the line's stream is appended at the revision read.
    const { ifMatch: _ifMatch, ...lineCtx } = ctx;
    await this.commands.run(lineCtx, {
      stream: fundingLineEnvelopesStreamName(command.fundingLine),
      fold: (events: FundingLineEnvelopesEvent[]) => foldFundingLineEnvelopes(events),
      decide: ({ state }) => ({
        events: decideFundingLineEnvelopes(
          { type: 'list', fundingLine: command.fundingLine, envelopeId, fromYear: command.fromYear, toYear: command.toYear },
          state,
        ),
        meta,
      }),
    });
    const outcome = await this.commands.run(lineCtx, {
      stream: envelopeStreamName(envelopeId),
      fold: (events: EnvelopeEvent[]) => foldEnvelope(events),
      // The id derives from the Idempotency-Key: a retry finds the envelope opened and answers as of its opening.
      decide: ({ state }) => ({ events: state.status === 'none' ? decideEnvelope(command, state) : [], meta }),
    });
    return this.view(envelopeId, outcome.revision);
  }

  async amend(envelopeId: string, request: AmendEnvelopeRequest, ctx: CommandContext): Promise<EnvelopeView> {
    const act = actOf(request.act);
    const cents = centsOf(request);
    const outcome = await this.commands.run(ctx, {
      stream: envelopeStreamName(envelopeId),
      fold: (events: EnvelopeEvent[]) => foldEnvelope(events),
      decide: ({ state }) => {
        if (state.status === 'none') throw new NotFound('envelope', envelopeId);
        const command: EnvelopeCommand = {
          type: 'amend',
          changeCents: request.direction === 'decrease' ? -cents : cents,
          reason: request.reason,
          act,
          today: todayInParis(this.clock),
        };
        return {
          events: decideEnvelope(command, state),
          meta: { occurredAt: act.date, reason: request.reason, sourceDocument: request.sourceDocument ?? { kind: act.kind, reference: act.reference } },
        };
      },
    });
    return this.view(envelopeId, outcome.revision);
  }

  /**
   * The envelope of a funding line that covers a year, with what the ledger register counts committed on the line over
   * its years (net of releases): what a commitment's commit or increase carries for the over-commitment warning. The
   * register lags the log by the projector's delay; without the register in this process, no envelope is checked.
   */
  async use(fundingLine: string, year: number): Promise<FundingEnvelopeUse | undefined> {
    if (!this.readModels?.dataSources.has(LEDGER_REGISTER)) return undefined;
    const listed = (await listedEnvelopes(this.repository.store, fundingLine)).find((e) => envelopeCovers(e, year));
    const loaded = listed && (await loadEnvelope(this.repository.store, listed.envelopeId));
    if (!loaded) return undefined;
    const { envelopeId, label, fromYear, toYear, amountCents } = loaded.state;
    const [used] = await fundingLineUse(this.readModels.dataSource(LEDGER_REGISTER), [{ fundingLine, fromYear, toYear }]);
    return { envelopeId, label, fundingLine, fromYear, toYear, amountCents, committedCents: used.netCommitted };
  }
}

/** Envelopes per funding line and fiscal years: admins open and amend them; every user reads them. */
@ApiTags('envelopes')
@ApiETag()
@Controller('envelopes')
export class EnvelopesController {
  constructor(private readonly envelopes: EnvelopeService) {}

  private send(res: Response, view: EnvelopeView): EnvelopeView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write', 'admin')
  @ApiOperation({ summary: 'Open an envelope: a BOP allocation for a fiscal year, or a fund over several, with its source act (admins)' })
  async open(@Body() b: OpenEnvelopeRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const view = await this.envelopes.open(b, ctx);
    res.setHeader('Location', `/envelopes/${view.id}`);
    res.status(201);
    return this.send(res, view);
  }

  @Post(':id/amendments')
  @Access('write', 'admin')
  @ApiIfMatch()
  @HttpCode(200)
  @ApiOperation({ summary: 'Amend an envelope: raise or lower it by an act, saying why (admins)' })
  async amend(@Param('id') id: string, @Body() b: AmendEnvelopeRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.envelopes.amend(id, b, ctx));
  }

  @Get()
  @Access('read', '*')
  @ApiQuery({ name: 'fundingLine', required: false })
  @ApiQuery({ name: 'year', required: false, description: 'Only the envelopes covering this fiscal year' })
  @ApiOperation({ summary: 'The envelopes of every funding line, or of one, covering a year or not' })
  async list(@Query('fundingLine') fundingLine?: string, @Query('year') yearText?: string) {
    const errors = new FieldErrors();
    const year = yearText === undefined ? undefined : wholeNumberParam(errors, 'year', yearText, 1900, 2200);
    errors.check();
    return { envelopes: await this.envelopes.list({ fundingLine: fundingLine || undefined, year }) };
  }

  @Get(':id')
  @Access('read', '*')
  @ApiOperation({ summary: 'An envelope: its amount, source act and amendments' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.envelopes.view(id));
  }
}
