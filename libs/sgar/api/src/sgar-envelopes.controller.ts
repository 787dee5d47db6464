import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  WholeProgramme,
  Access,
  EVENT_STORE,
  FieldErrors,
  InjectClock,
  REFERENTIALS,
  ReadModels,
  SQL_DATABASE,
  column,
  exportFormat,
  sendExport,
  wholeNumberParam,
} from '@erbm/shared/api';
import { type EventStore, type SqlDatabase, sealKeeper } from '@erbm/shared/event-store';
import type { Referentials } from '@erbm/shared/referentials';
import type { Clock } from '@erbm/shared/kernel';
import { LEDGER_REGISTER, envelopesOf, freshness, fundingLineUse } from '@erbm/ledger/read-models';

const percent = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 10);

/**
 * Envelopes against what their funding line programmed, committed and paid over their years, as the ledger register
 * counts it: the envelopes come from their streams, the figures from the register as of its checkpoint (freshness).
 */
@ApiTags('sgar')
@Controller('sgar')
export class SgarEnvelopesController {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectClock() private readonly clock: Clock,
  ) {}

  @Get('envelopes')
  @Access('read', 'sgar')
  // What a funding line committed adds up every financer's commitments on it: a partner or a sous-préfecture is refused.
  @WholeProgramme()
  @ApiQuery({ name: 'year', required: false, description: 'Only the envelopes covering this fiscal year' })
  @ApiQuery({ name: 'fundingLine', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({
    summary: 'Envelopes per funding line and years against programmed, committed and paid on their line over their years, and the reste à engager',
  })
  async envelopesView(@Query() query: Record<string, string | undefined>, @Res() res: Response) {
    const errors = new FieldErrors();
    const year = query.year === undefined ? undefined : wholeNumberParam(errors, 'year', query.year, 1900, 2200);
    const format = exportFormat(errors, query.format);
    errors.check();
    const ledger = this.readModels.dataSource(LEDGER_REGISTER);
    // The checkpoint first: the figures read after it reflect at least what it says.
    const fresh = await freshness(ledger, LEDGER_REGISTER);
    const lines = query.fundingLine ? [query.fundingLine] : [...new Set(this.referentials.fundingLines.all.map((f) => f.id))];
    const envelopes = (await envelopesOf(this.store, lines, year)).map((e) => e.state);
    const used = await fundingLineUse(ledger, envelopes);
    const rows = envelopes.map((e, i) => {
      const u = used[i];
      return {
        id: e.envelopeId,
        fundingLine: e.fundingLine,
        fundingLineLabel: this.referentials.fundingLines.all.find((f) => f.id === e.fundingLine)?.label ?? null,
        kind: e.kind,
        label: e.label,
        fromYear: e.fromYear,
        toYear: e.toYear,
        envelopeCents: e.amountCents,
        commitmentCount: u.commitmentCount,
        programmed: u.programmed,
        committed: u.committed,
        released: u.released,
        netCommitted: u.netCommitted,
        paid: u.paid,
        resteAEngager: e.amountCents - u.netCommitted,
        committedOfEnvelopePercent: percent(u.netCommitted, e.amountCents),
      };
    });
    const sum = (k: 'envelopeCents' | 'programmed' | 'committed' | 'released' | 'netCommitted' | 'paid' | 'resteAEngager') =>
      rows.reduce((s, r) => s + r[k], 0);
    const total = {
      envelopeCents: sum('envelopeCents'),
      programmed: sum('programmed'),
      committed: sum('committed'),
      released: sum('released'),
      netCommitted: sum('netCommitted'),
      paid: sum('paid'),
      resteAEngager: sum('resteAEngager'),
    };
    res.setHeader('X-ERBM-Checkpoint', fresh.checkpoint ?? '');
    res.setHeader('X-ERBM-Reflects-Recorded-Up-To', fresh.reflectsRecordedUpTo ?? '');
    await sendExport(
      res,
      { seals: sealKeeper(this.store, this.db), clock: this.clock },
      {
        format,
        name: 'enveloppes',
        asKnownAt: fresh.reflectsRecordedUpTo,
        position: fresh.checkpoint,
        body: { freshness: fresh, rows, total },
        table: () => ({
          columns: [
            column('id'),
            column('fundingLine'),
            column('fundingLineLabel'),
            column('kind'),
            column('label'),
            column('fromYear'),
            column('toYear'),
            column('envelopeCents', { money: true }),
            column('commitmentCount'),
            ...(['programmed', 'committed', 'released', 'netCommitted', 'paid', 'resteAEngager'] as const).map((l) => column(l, { money: true })),
            column('committedOfEnvelopePercent'),
          ],
          rows,
        }),
      },
    );
  }
}
