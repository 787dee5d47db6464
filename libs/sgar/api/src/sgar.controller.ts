import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  type CsvColumn,
  type DomainPlugin,
  EVENT_STORE,
  type ExportFormat,
  type ExportView,
  FieldErrors,
  type FieldNameKey,
  InjectClock,
  InjectDomains,
  REFERENTIALS,
  ReadModels,
  type ReadScope,
  ReaderScope,
  WholeProgramme,
  admits,
  SQL_DATABASE,
  column,
  exportFormat,
  instantParam,
  sendExport,
  wholeNumberParam,
} from '@erbm/shared/api';
import { type EventStore, type SqlDatabase, sealKeeper } from '@erbm/shared/event-store';
import type { Referentials } from '@erbm/shared/referentials';
import { type Clock, NotFound, todayInParis } from '@erbm/shared/kernel';
import {
  BENEFICIARIES,
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
  beneficiaryNames,
  readBeneficiary,
} from '@erbm/ledger/read-models';
import { warningView } from '@erbm/ledger/domain';

const LEDGER = 'ledger-register';

/** The field that names an axis's value for people, where a referential has names. */
const AXIS_LABEL: Partial<Record<TotalAxis, FieldNameKey>> = {
  financer: 'financerName',
  fundingLine: 'fundingLineLabel',
  arrondissement: 'arrondissementName',
  departement: 'departementName',
  epci: 'epciName',
  commune: 'communeName',
  governanceBody: 'governanceBodyName',
};
const LEDGER_COLUMNS: CsvColumn[] = [column('commitmentCount'), ...TOTAL_LEDGERS.map((l) => column(l, { money: true }))];

function filtersOf(errors: FieldErrors, query: Record<string, string | undefined>): TotalFilters {
  const filters: TotalFilters = {};
  for (const axis of TOTAL_AXES) {
    const value = query[axis];
    if (value === undefined) continue;
    if (axis === 'fiscalYear') filters[axis] = wholeNumberParam(errors, axis, value, 1900, 2200);
    else filters[axis] = value;
  }
  return filters;
}

function groupByOf(errors: FieldErrors, value: string | undefined, fallback: TotalAxis[]): TotalAxis[] {
  if (value === undefined) return fallback;
  const axes = value.split(',').filter(Boolean);
  const unknown = axes.filter((a) => !(TOTAL_AXES as readonly string[]).includes(a));
  if (unknown.length) errors.add('groupBy', `${unknown.join(', ')} : les axes sont ${TOTAL_AXES.join(', ')}`);
  return axes as TotalAxis[];
}

function pageOf(errors: FieldErrors, limit?: string, offset?: string) {
  return {
    limit: limit === undefined ? 100 : (wholeNumberParam(errors, 'limit', limit, 1, 10_000) ?? 0),
    offset: offset === undefined ? 0 : (wholeNumberParam(errors, 'offset', offset, 0, Number.MAX_SAFE_INTEGER) ?? 0),
  };
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
   * Names a row's financer, funding line and place (arrondissement, département, EPCI, commune) and the body that
   * decided. A party is named as it is today in Paris, taken once per answer: the UTC day would name it as of yesterday
   * or tomorrow around midnight.
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
      if (typeof row.departement === 'string') extra.departementName = this.referentials.departements.all.find((d) => d.code === row.departement)?.name ?? null;
      if (typeof row.epci === 'string') extra.epciName = row.epci ? (this.referentials.parties.all.find((p) => p.siren === row.epci)?.name ?? null) : null;
      if (typeof row.commune === 'string') extra.communeName = this.referentials.communes.all.find((c) => c.insee === row.commune)?.name ?? null;
      if (typeof row.governanceBody === 'string')
        extra.governanceBodyName =
          this.referentials.governanceBodies.all.find((b) => b.id === row.governanceBody)?.name ??
          this.referentials.parties.all.find((p) => p.id === row.governanceBody)?.name ??
          null;
      return { ...row, ...extra };
    };
  }

  /** Names each row's beneficiary (`beneficiaryName`, null for none or one the read model does not have yet). */
  private async withBeneficiaryNames<T extends Record<string, unknown>>(rows: T[]): Promise<T[]> {
    const ids = rows.map((r) => r.beneficiary).filter((b): b is string => typeof b === 'string');
    if (ids.length === 0) return rows;
    const names = await beneficiaryNames(this.readModels.dataSource(BENEFICIARIES), ids);
    return rows.map((r) => (typeof r.beneficiary === 'string' ? { ...r, beneficiaryName: names.get(r.beneficiary) ?? null } : r));
  }

  private async send(
    res: Response,
    format: ExportFormat,
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
  private knownAt(errors: FieldErrors, query: Record<string, string | undefined>): KnownAt | undefined {
    if (query.asKnownAt !== undefined && query.asOfCheckpoint !== undefined)
      return errors.add('asOfCheckpoint', 'ne se donne pas avec asKnownAt : donnez l’un ou l’autre');
    if (query.asKnownAt !== undefined) {
      const recordedAt = instantParam(errors, 'asKnownAt', query.asKnownAt);
      return recordedAt === undefined ? undefined : { recordedAt };
    }
    if (query.asOfCheckpoint !== undefined) {
      if (!this.store.isPosition(query.asOfCheckpoint))
        return errors.add('asOfCheckpoint', "n'est pas une position du journal telle que les réponses la donnent (freshness.checkpoint)");
      return { checkpoint: query.asOfCheckpoint };
    }
    return undefined;
  }

  private async totalsAt(groupBy: TotalAxis[], filters: TotalFilters, at: KnownAt | undefined, scope: ReadScope) {
    return at ? consolidatedTotalsKnownAt(this.ledger, groupBy, filters, at, scope) : consolidatedTotals(this.ledger, groupBy, filters, scope);
  }

  private async freshnessAt(at: KnownAt | undefined) {
    const fresh = await freshness(this.ledger, LEDGER);
    if (!at) return fresh;
    return { ...fresh, ...('recordedAt' in at ? { asKnownAt: at.recordedAt } : { asOfCheckpoint: at.checkpoint }) };
  }

  @Get('totals')
  @Access('read', 'sgar')
  @Docs()
  @ApiOperation({
    summary: 'Every ledger totalled along any axes (party, domain, funding line, place, governance body, dispositif, year of the facts), filtered by any',
  })
  async totals(@Query() query: Record<string, string | undefined>, @ReaderScope() scope: ReadScope, @Res() res: Response) {
    const errors = new FieldErrors();
    const groupBy = groupByOf(errors, query.groupBy, ['financer']);
    const filters = filtersOf(errors, query);
    const at = this.knownAt(errors, query);
    const format = exportFormat(errors, query.format);
    errors.check();
    const fresh = await this.freshnessAt(at);
    const { rows, total } = await this.totalsAt(groupBy, filters, at, scope);
    const labelled = await this.withBeneficiaryNames(rows.map(this.labeller()));
    await this.send(res, format, 'totaux-consolides', fresh, { groupBy, filters, rows: labelled, total }, () => ({
      columns: [...groupBy.flatMap((a) => (a === 'beneficiary' ? [column(a), column('beneficiaryName')] : [column(a)])), ...LEDGER_COLUMNS],
      rows: labelled,
    }));
  }

  @Get('totals/commitments')
  @Access('read', 'sgar')
  @Docs()
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOperation({
    summary: 'Drill down: the commitments behind a total (same filters), one row per commitment, funding line and year of its facts, whose sum is that total',
  })
  async behind(@Query() query: Record<string, string | undefined>, @ReaderScope() scope: ReadScope, @Res() res: Response) {
    const errors = new FieldErrors();
    const filters = filtersOf(errors, query);
    const page = pageOf(errors, query.limit, query.offset);
    const format = exportFormat(errors, query.format);
    errors.check();
    const fresh = await freshness(this.ledger, LEDGER);
    const result = await commitmentsBehind(this.ledger, filters, format === 'json' ? page : { limit: 1_000_000, offset: 0 }, scope);
    const rows = result.rows.map(this.labeller());
    await this.send(res, format, 'engagements', fresh, { filters, ...page, total: result.total, rows }, () => ({
      columns: [
        column('id'),
        column('domain'),
        column('operationId'),
        column('operationName'),
        column('financer'),
        column('financerName'),
        column('fundingLine'),
        column('fiscalYear'),
        ...TOTAL_AXES.filter((a) => !['financer', 'domain', 'fundingLine', 'fiscalYear'].includes(a)).map((a) => column(a)),
        column('governanceBodyName'),
        column('status'),
        ...LEDGER_COLUMNS.slice(1),
        column('warningCount'),
      ],
      rows,
    }));
  }

  @Get('register/commitments/:id')
  @Access('read', 'sgar')
  @ApiOperation({ summary: 'One commitment of the register, with the way to its operation' })
  async commitment(@Param('id') id: string, @ReaderScope() scope: ReadScope) {
    const row = await commitmentRow(this.ledger, id, scope);
    if (!row) throw new NotFound('commitment', id);
    return {
      freshness: await freshness(this.ledger, LEDGER),
      commitment: this.labeller()({ ...row, warnings: row.warnings.map(warningView) }),
      operation: { id: row.operationId, href: `/sgar/register/operations/${row.operationId}`, domainHref: `/${row.domain}/operations/${row.operationId}` },
    };
  }

  @Get('register/operations/:id')
  @Access('read', 'sgar')
  @ApiOperation({ summary: 'An operation as the SGAR sees it: where it is, and its commitments with their ledgers' })
  async operation(@Param('id') id: string, @ReaderScope() scope: ReadScope) {
    const found = await operationSummary(this.ledger, id, scope);
    if (!found) throw new NotFound('operation', id);
    const label = this.labeller();
    const { operationId, ...operation } = found.operation as Record<string, unknown>;
    return {
      freshness: await freshness(this.ledger, LEDGER),
      ...found,
      operation: label({ id: operationId, ...operation }),
      commitments: found.commitments.map(label),
    };
  }

  @Get('progress')
  @Access('read', 'sgar')
  @Docs()
  @ApiQuery({ name: 'by', required: false, enum: [...TOTAL_AXES] })
  @ApiOperation({ summary: 'Promised vs programmed vs committed vs paid, along one axis: per partner, per arrondissement (what a comité partenarial sees)…' })
  async progress(@Query() query: Record<string, string | undefined>, @ReaderScope() scope: ReadScope, @Res() res: Response) {
    const errors = new FieldErrors();
    const by = (query.by ?? 'financer') as TotalAxis;
    if (!(TOTAL_AXES as readonly string[]).includes(by)) errors.add('by', `vaut l'un des axes ${TOTAL_AXES.join(', ')}`);
    const filters = filtersOf(errors, query);
    const at = this.knownAt(errors, query);
    const format = exportFormat(errors, query.format);
    errors.check();
    const fresh = await this.freshnessAt(at);
    const { rows, total } = await this.totalsAt([by], filters, at, scope);
    const rate = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 10);
    const label = this.labeller();
    const shaped = rows.map((r) =>
      label({
        [by]: r[by],
        announced: r.announced,
        programmed: r.programmed,
        committed: r.committed,
        paid: r.paid,
        resteAPayer: r.resteAPayer,
        committedOfProgrammedPercent: rate(r.committed, r.programmed),
        paidOfCommittedPercent: rate(r.paid, r.committed),
      }),
    );
    const sum = { announced: total.announced, programmed: total.programmed, committed: total.committed, paid: total.paid, resteAPayer: total.resteAPayer };
    await this.send(res, format, `avancement-par-${by}`, fresh, { by, filters, rows: shaped, total: sum }, () => ({
      columns: [
        column(by),
        ...(AXIS_LABEL[by] ? [column(AXIS_LABEL[by] as FieldNameKey)] : []),
        ...(['announced', 'programmed', 'committed', 'paid', 'resteAPayer'] as const).map((l) => column(l, { money: true })),
      ],
      rows: shaped,
    }));
  }

  @Get('beneficiaries/:id')
  @Access('read', 'sgar')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({
    summary: 'What a beneficiary received: its identifiers, names and resolution trail, then every ledger by financer, funding line and fiscal year',
  })
  async beneficiary(@Param('id') id: string, @Query('format') formatText: string | undefined, @ReaderScope() scope: ReadScope, @Res() res: Response) {
    const errors = new FieldErrors();
    const format = exportFormat(errors, formatText);
    errors.check();
    const beneficiary = await readBeneficiary(this.store, id);
    const fresh = await freshness(this.ledger, LEDGER);
    const groupBy: TotalAxis[] = ['financer', 'fundingLine', 'fiscalYear'];
    const filters: TotalFilters = { beneficiary: id };
    // A partner sees what its own party gave the beneficiary; a sous-préfecture, what was given in its arrondissement.
    const { rows, total } = await consolidatedTotals(this.ledger, groupBy, filters, scope);
    const labelled = rows.map(this.labeller());
    await this.send(res, format, `beneficiaire-${id}`, fresh, { beneficiary, groupBy, filters, rows: labelled, total }, () => ({
      columns: [column('financer'), column('financerName'), column('fundingLine'), column('fundingLineLabel'), column('fiscalYear'), ...LEDGER_COLUMNS],
      rows: labelled,
    }));
  }

  @Get('indicators')
  @Access('read', 'sgar')
  // Dwellings and the like are counted per operation, not per financer: a partner cannot be shown its part of them.
  @WholeProgramme({ except: ['arrondissement'] })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiOperation({ summary: 'Indicators against their targets (23,000 dwellings), per arrondissement and in all' })
  async indicators(@Query('format') formatText: string | undefined, @ReaderScope() scope: ReadScope, @Res() res: Response) {
    const errors = new FieldErrors();
    const format = exportFormat(errors, formatText);
    errors.check();
    const rows: Record<string, unknown>[] = [];
    const indicators = [];
    const checkpoints: Freshness[] = [];
    const label = this.labeller();
    // Each domain reads its own read model; the view puts them side by side, each with its definition and target.
    for (const domain of this.domains) {
      const ds = this.readModels.dataSource(domain.indicators.projection);
      checkpoints.push(await freshness(ds, domain.indicators.projection));
      const values = (await domain.indicators.read(ds)).filter((v) => admits(scope, { arrondissement: v.arrondissement }));
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
      columns: [column('domain'), column('indicator'), column('arrondissement'), column('arrondissementName'), column('value')],
      rows,
    }));
  }
}
