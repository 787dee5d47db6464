import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  type CsvColumn,
  type DomainPlugin,
  EVENT_STORE,
  type ExportView,
  InjectClock,
  InjectDomains,
  ProblemException,
  REFERENTIALS,
  ReadModels,
  SQL_DATABASE,
  sendExport,
} from '@erbm/shared/api';
import { type EventStore, type SqlDatabase, sealKeeper } from '@erbm/shared/event-store';
import type { Referentials } from '@erbm/shared/referentials';
import { type Clock, NotFound, todayInParis } from '@erbm/shared/kernel';
import {
  type Freshness,
  TOTAL_AXES,
  TOTAL_LEDGERS,
  type TotalAxis,
  type TotalFilters,
  type KnownAt,
  commitmentRow,
  commitmentsBehind,
  consolidatedTotals,
  consolidatedTotalsKnownAt,
  freshness,
  operationSummary,
} from '@erbm/ledger/read-models';

const LEDGER = 'ledger-register';
const AXIS_LABEL: Record<TotalAxis, string> = {
  financer: 'financeur',
  domain: 'domaine',
  fundingLine: 'ligne de financement',
  arrondissement: 'arrondissement',
  fiscalYear: 'exercice',
};
const LEDGER_LABEL: Record<string, string> = {
  commitments: 'engagements',
  announced: 'annoncé (€)',
  programmed: 'programmé (€)',
  committed: 'engagé (€)',
  certified: 'service fait (€)',
  ordered: 'mandaté (€)',
  paid: 'payé (€)',
  released: 'dégagé (€)',
  recovered: 'reversé (€)',
  resteAPayer: 'reste à payer (€)',
};
const LEDGER_COLUMNS: CsvColumn[] = [
  { key: 'commitments', label: LEDGER_LABEL.commitments },
  ...TOTAL_LEDGERS.map((l) => ({ key: l, label: LEDGER_LABEL[l], money: true })),
];

function filtersOf(query: Record<string, string | undefined>): TotalFilters {
  const filters: TotalFilters = {};
  for (const axis of TOTAL_AXES) {
    const value = query[axis];
    if (value === undefined) continue;
    if (axis === 'fiscalYear' && !/^\d{4}$/.test(value)) throw badRequest('fiscalYear', 'is a year, e.g. 2023');
    filters[axis] = axis === 'fiscalYear' ? Number(value) : value;
  }
  return filters;
}

function badRequest(field: string, reason: string) {
  return ProblemException.of(400, 'invalid-request', 'Invalid request', `${field} ${reason}`, { field, errors: [{ field, reason }] });
}

function groupByOf(value: string | undefined, fallback: TotalAxis[]): TotalAxis[] {
  if (value === undefined) return fallback;
  const axes = value.split(',').filter(Boolean);
  for (const a of axes) if (!(TOTAL_AXES as readonly string[]).includes(a)) throw badRequest('groupBy', `takes axes among ${TOTAL_AXES.join(', ')}`);
  return axes as TotalAxis[];
}

function pageOf(limit?: string, offset?: string) {
  const l = limit === undefined ? 100 : Number(limit);
  const o = offset === undefined ? 0 : Number(offset);
  if (!Number.isInteger(l) || l < 1 || l > 10_000) throw badRequest('limit', 'is between 1 and 10,000');
  if (!Number.isInteger(o) || o < 0) throw badRequest('offset', 'is 0 or more');
  return { limit: l, offset: o };
}

const QUERY_DOC = [
  ApiQuery({ name: 'groupBy', required: false, description: `Axes, comma-separated: ${TOTAL_AXES.join(', ')}` }),
  ...TOTAL_AXES.map((a) => ApiQuery({ name: a, required: false, description: `Filter on ${a}` })),
  ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] }),
  ApiQuery({ name: 'asKnownAt', required: false, description: 'ISO date-time: the view exactly as the system knew it then' }),
  ApiQuery({
    name: 'asOfCheckpoint',
    required: false,
    description: 'a checkpoint an earlier answer gave: the view exactly as it was at that position of the log',
  }),
];
const Docs = () => (target: object, key: string, descriptor: PropertyDescriptor) => QUERY_DOC.forEach((d) => d(target, key, descriptor));

/** The SGAR's consolidated views, read by the SGAR, auditors and admins; every answer says how fresh it is. */
@ApiTags('sgar')
@Controller('sgar')
export class SgarController {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectClock() private readonly clock: Clock,
    @InjectDomains() private readonly domains: readonly DomainPlugin[],
  ) {}

  private get ledger() {
    return this.readModels.dataSource(LEDGER);
  }

  /**
   * Names a row's financer, funding line and arrondissement. A party is named as it is today in Paris, taken once per
   * answer: the UTC day would name it as of yesterday or tomorrow around midnight.
   */
  private labeller(): <T extends Record<string, unknown>>(row: T) => T & Record<string, unknown> {
    const today = todayInParis(this.clock);
    return (row) => {
      const extra: Record<string, unknown> = {};
      if (typeof row.financer === 'string')
        extra.financerName =
          this.referentials.parties.at(row.financer, today)?.name ?? this.referentials.parties.all.find((p) => p.id === row.financer)?.name ?? null;
      if (typeof row.fundingLine === 'string') extra.fundingLineLabel = this.referentials.fundingLines.all.find((f) => f.id === row.fundingLine)?.label ?? null;
      if (typeof row.arrondissement === 'string')
        extra.arrondissementName = this.referentials.arrondissements.all.find((a) => a.code === row.arrondissement)?.name ?? null;
      return { ...row, ...extra };
    };
  }

  private async send(
    res: Response,
    format: string | undefined,
    name: string,
    fresh: Freshness & { asKnownAt?: string; asOfCheckpoint?: string },
    json: Record<string, unknown>,
    table: ExportView['table'],
  ): Promise<void> {
    res.setHeader('X-ERBM-Checkpoint', fresh.checkpoint ?? '');
    res.setHeader('X-ERBM-Reflects-Recorded-Up-To', fresh.reflectsRecordedUpTo ?? '');
    await sendExport(
      res,
      { seals: sealKeeper(this.store, this.db), clock: this.clock },
      {
        format,
        name,
        asKnownAt: fresh.asKnownAt ?? fresh.reflectsRecordedUpTo,
        position: fresh.asOfCheckpoint ?? fresh.checkpoint,
        body: { freshness: fresh, ...json },
        table,
      },
    );
  }

  /** `asKnownAt` (a past time) or `asOfCheckpoint` (a position an earlier answer gave): the views as they were then. */
  private knownAt(query: Record<string, string | undefined>): KnownAt | undefined {
    if (query.asKnownAt !== undefined && query.asOfCheckpoint !== undefined) throw badRequest('asKnownAt', 'and asOfCheckpoint cannot both be given');
    if (query.asKnownAt !== undefined) {
      if (Number.isNaN(Date.parse(query.asKnownAt))) throw badRequest('asKnownAt', 'is an ISO 8601 date-time');
      return { recordedAt: new Date(query.asKnownAt).toISOString() };
    }
    if (query.asOfCheckpoint !== undefined) {
      if (!this.store.isPosition(query.asOfCheckpoint))
        throw badRequest('asOfCheckpoint', 'is a position of the log, as answers give it (freshness.checkpoint)');
      return { checkpoint: query.asOfCheckpoint };
    }
    return undefined;
  }

  private async totalsAt(groupBy: TotalAxis[], filters: TotalFilters, at: KnownAt | undefined) {
    return at ? consolidatedTotalsKnownAt(this.ledger, groupBy, filters, at) : consolidatedTotals(this.ledger, groupBy, filters);
  }

  private async freshnessAt(at: KnownAt | undefined) {
    const fresh = await freshness(this.ledger, LEDGER);
    if (!at) return fresh;
    return { ...fresh, ...('recordedAt' in at ? { asKnownAt: at.recordedAt } : { asOfCheckpoint: at.checkpoint }) };
  }

  @Get('totals')
  @Access('read', 'sgar')
  @Docs()
  @ApiOperation({ summary: 'Every ledger totalled along any axes (party, domain, funding line, arrondissement, fiscal year), filtered by any' })
  async totals(@Query() query: Record<string, string | undefined>, @Res() res: Response) {
    const groupBy = groupByOf(query.groupBy, ['financer']);
    const filters = filtersOf(query);
    const at = this.knownAt(query);
    const fresh = await this.freshnessAt(at);
    const { rows, total } = await this.totalsAt(groupBy, filters, at);
    const labelled = rows.map(this.labeller());
    await this.send(res, query.format, 'totaux-consolides', fresh, { groupBy, filters, rows: labelled, total }, () => ({
      columns: [...groupBy.map((a) => ({ key: a, label: AXIS_LABEL[a] })), ...LEDGER_COLUMNS],
      rows: labelled,
    }));
  }

  @Get('totals/commitments')
  @Access('read', 'sgar')
  @Docs()
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOperation({ summary: 'Drill down: the commitments behind a total (same filters), whose sum is that total' })
  async behind(@Query() query: Record<string, string | undefined>, @Res() res: Response) {
    const filters = filtersOf(query);
    const page = pageOf(query.limit, query.offset);
    const fresh = await freshness(this.ledger, LEDGER);
    const result = await commitmentsBehind(this.ledger, filters, query.format === 'csv' ? { limit: 1_000_000, offset: 0 } : page);
    const rows = result.rows.map(this.labeller());
    await this.send(res, query.format, 'engagements', fresh, { filters, ...page, count: result.count, total: result.total, rows }, () => ({
      columns: [
        { key: 'id', label: 'engagement' },
        { key: 'domain', label: 'domaine' },
        { key: 'operationId', label: 'opération' },
        { key: 'operationName', label: "nom de l'opération" },
        { key: 'financer', label: 'financeur' },
        { key: 'fundingLine', label: 'ligne de financement' },
        { key: 'arrondissement', label: 'arrondissement' },
        { key: 'fiscalYear', label: 'exercice' },
        { key: 'status', label: 'statut' },
        ...LEDGER_COLUMNS.slice(1),
        { key: 'warningCount', label: 'avertissements' },
      ],
      rows,
    }));
  }

  @Get('register/commitments/:id')
  @Access('read', 'sgar')
  @ApiOperation({ summary: 'One commitment of the register, with the way to its operation' })
  async commitment(@Param('id') id: string) {
    const row = await commitmentRow(this.ledger, id);
    if (!row) throw new NotFound('commitment', id);
    return {
      freshness: await freshness(this.ledger, LEDGER),
      commitment: this.labeller()(row),
      operation: { id: row.operationId, href: `/sgar/register/operations/${row.operationId}`, domainHref: `/${row.domain}/operations/${row.operationId}` },
    };
  }

  @Get('register/operations/:id')
  @Access('read', 'sgar')
  @ApiOperation({ summary: 'An operation as the SGAR sees it: where it is, and its commitments with their ledgers' })
  async operation(@Param('id') id: string) {
    const found = await operationSummary(this.ledger, id);
    if (!found) throw new NotFound('operation', id);
    const label = this.labeller();
    return {
      freshness: await freshness(this.ledger, LEDGER),
      ...found,
      operation: label(found.operation as Record<string, unknown>),
      commitments: found.commitments.map(label),
    };
  }

  @Get('progress')
  @Access('read', 'sgar')
  @Docs()
  @ApiQuery({ name: 'by', required: false, enum: ['financer', 'arrondissement'] })
  @ApiOperation({ summary: 'Promised vs programmed vs committed vs paid, per partner or per arrondissement (what a comité partenarial sees)' })
  async progress(@Query() query: Record<string, string | undefined>, @Res() res: Response) {
    const by = (query.by ?? 'financer') as TotalAxis;
    if (by !== 'financer' && by !== 'arrondissement') throw badRequest('by', 'is financer or arrondissement');
    const filters = filtersOf(query);
    const at = this.knownAt(query);
    const fresh = await this.freshnessAt(at);
    const { rows, total } = await this.totalsAt([by], filters, at);
    const rate = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 10);
    const label = this.labeller();
    const shaped = rows.map((r) =>
      label({
        [by]: r[by],
        promised: r.announced,
        programmed: r.programmed,
        committed: r.committed,
        paid: r.paid,
        resteAPayer: r.resteAPayer,
        committedOfProgrammedPercent: rate(r.committed, r.programmed),
        paidOfCommittedPercent: rate(r.paid, r.committed),
      }),
    );
    const sum = { promised: total.announced, programmed: total.programmed, committed: total.committed, paid: total.paid, resteAPayer: total.resteAPayer };
    await this.send(res, query.format, `avancement-par-${by}`, fresh, { by, filters, rows: shaped, total: sum }, () => ({
      columns: [
        { key: by, label: AXIS_LABEL[by] },
        { key: by === 'financer' ? 'financerName' : 'arrondissementName', label: 'nom' },
        { key: 'promised', label: 'annoncé (€)', money: true },
        { key: 'programmed', label: 'programmé (€)', money: true },
        { key: 'committed', label: 'engagé (€)', money: true },
        { key: 'paid', label: 'payé (€)', money: true },
        { key: 'resteAPayer', label: 'reste à payer (€)', money: true },
      ],
      rows: shaped,
    }));
  }

  @Get('indicators')
  @Access('read', 'sgar')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiOperation({ summary: 'Indicators against their targets (23,000 dwellings), per arrondissement and in all' })
  async indicators(@Query('format') format: string | undefined, @Res() res: Response) {
    const rows: Record<string, unknown>[] = [];
    const indicators = [];
    const checkpoints: Freshness[] = [];
    const label = this.labeller();
    // Each domain reads its own read model; the view puts them side by side, each with its definition and target.
    for (const domain of this.domains) {
      const ds = this.readModels.dataSource(domain.indicators.projection);
      checkpoints.push(await freshness(ds, domain.indicators.projection));
      const values = await domain.indicators.read(ds);
      for (const v of values) rows.push(label({ domain: domain.name, indicator: v.indicator, arrondissement: v.arrondissement, value: v.value }));
      for (const d of domain.indicators.definitions) {
        const value = values.filter((v) => v.indicator === d.code).reduce((s, v) => s + v.value, 0);
        indicators.push({
          domain: domain.name,
          indicator: d.code,
          label: d.label,
          unit: d.unit,
          definition: d.definition,
          value,
          target: d.target,
          percentOfTarget: d.target ? Math.round((value / d.target) * 1000) / 10 : null,
        });
      }
    }
    // The answer is as fresh as the least fresh of the read models it reads.
    const fresh = checkpoints.length
      ? checkpoints.reduce((a, b) => ((b.reflectsRecordedUpTo ?? '') < (a.reflectsRecordedUpTo ?? '') ? b : a))
      : await freshness(this.ledger, LEDGER);
    await this.send(res, format, 'indicateurs', fresh, { indicators, byArrondissement: rows }, () => ({
      columns: [
        { key: 'domain', label: 'domaine' },
        { key: 'indicator', label: 'indicateur' },
        { key: 'arrondissement', label: 'arrondissement' },
        { key: 'arrondissementName', label: 'nom' },
        { key: 'value', label: 'valeur' },
      ],
      rows,
    }));
  }
}
