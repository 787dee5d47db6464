import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import {
  Access,
  CurrentPrincipal,
  FieldErrors,
  InjectClock,
  REFERENTIALS,
  ReadModels,
  businessDateParam,
  column,
  exportFormat,
  readScopeOf,
  wholeNumberParam,
} from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import { type Clock, todayInParis } from '@erbm/shared/kernel';
import { WARNING_CODES, type WarningCode, commitmentStreamName } from '@erbm/ledger/domain';
import { LEDGER_REGISTER, type WarningFilters, type WarningRow, freshness, warningsAcross } from '@erbm/ledger/read-models';
import { AuditOperation, AuditReader } from './audit-reader';

const COLUMNS = [
  column('date'),
  column('rule'),
  column('message'),
  column('amountCents', { money: true }),
  column('limitCents', { money: true }),
  column('commitmentId'),
  column('raisedByRevision'),
  column('financer'),
  column('financerName'),
  column('domain'),
  column('operationId'),
  column('operationName'),
  column('fundingLine'),
  column('arrondissement'),
  column('fiscalYear'),
];

/** The warnings recorded across commitments: what a contrôleur goes through first, by rule, financer, domain and period. */
@ApiTags('audit')
@Controller('audit')
export class AuditWarningsController {
  constructor(
    private readonly reader: AuditReader,
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** The business date of the fact that raised each warning, from its commitment's stream (read once per commitment). */
  private async datesOf(rows: WarningRow[]): Promise<Map<string, string | null>> {
    const dates = new Map<string, string | null>();
    for (const id of new Set(rows.map((r) => r.commitmentId))) {
      const events = await this.reader.store.readStream(commitmentStreamName(id));
      for (const row of rows.filter((r) => r.commitmentId === id)) {
        const fact = events.find((e) => e.revision === row.raisedByRevision);
        dates.set(`${id}/${row.raisedByRevision}`, (fact?.data as { date?: string } | undefined)?.date ?? fact?.envelope.occurredAt ?? null);
      }
    }
    return dates;
  }

  @Get('warnings')
  @Access('read', 'audit')
  @ApiQuery({ name: 'code', required: false, enum: [...WARNING_CODES], description: 'the rule the warnings name' })
  @ApiQuery({ name: 'financer', required: false })
  @ApiQuery({ name: 'domain', required: false })
  @ApiQuery({ name: 'arrondissement', required: false, description: "INSEE code of the operation's arrondissement" })
  @ApiQuery({ name: 'from', required: false, description: 'yyyy-mm-dd: facts that raised a warning on or after this date' })
  @ApiQuery({ name: 'to', required: false, description: 'yyyy-mm-dd: facts that raised a warning on or before this date' })
  @ApiQuery({ name: 'fiscalYear', required: false, description: "the commitment's fiscal year" })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation(
    'warnings',
    'Warnings across commitments, by rule, financer, domain and period: each with its commitment, operation, amount, limit and the date of the fact that raised it',
  )
  async warnings(@Query() query: Record<string, string | undefined>, @CurrentPrincipal() principal: Principal, @Res() res: Response) {
    const errors = new FieldErrors();
    const filters: WarningFilters = {};
    if (query.code !== undefined) {
      if ((WARNING_CODES as readonly string[]).includes(query.code)) filters.code = query.code as WarningCode;
      else errors.add('code', `vaut ${WARNING_CODES.join(', ')}`);
    }
    if (query.financer !== undefined) filters.financer = query.financer;
    if (query.domain !== undefined) filters.domain = query.domain;
    if (query.arrondissement !== undefined) filters.arrondissement = query.arrondissement;
    if (query.fiscalYear !== undefined) filters.fiscalYear = wholeNumberParam(errors, 'fiscalYear', query.fiscalYear, 1900, 2200);
    const from = query.from === undefined ? undefined : businessDateParam(errors, 'from', query.from);
    const to = query.to === undefined ? undefined : businessDateParam(errors, 'to', query.to);
    if (from && to && from > to) errors.add('to', `est antérieure à from (${from})`);
    const format = exportFormat(errors, query.format);
    errors.check();
    // An editor reads the trail of its own domain only, as on the other audit routes.
    if (principal.role === 'editor') {
      if (filters.domain !== undefined) this.reader.requireDomain(principal, filters.domain, 'warnings', 'of another domain');
      filters.domain = principal.domain as string;
    }
    const ds = this.readModels.dataSource(LEDGER_REGISTER);
    const fresh = await freshness(ds, LEDGER_REGISTER);
    const found = await warningsAcross(ds, filters, readScopeOf(principal));
    const dates = await this.datesOf(found);
    const today = todayInParis(this.clock);
    const rows = found
      .map(({ code, ...row }) => ({
        ...row,
        rule: code,
        date: dates.get(`${row.commitmentId}/${row.raisedByRevision}`) ?? null,
        financerName: this.referentials.parties.at(row.financer, today)?.name ?? this.referentials.parties.all.find((p) => p.id === row.financer)?.name ?? null,
      }))
      .filter((r) => (from === undefined || (r.date !== null && r.date >= from)) && (to === undefined || (r.date !== null && r.date <= to)));
    const echo = {
      rule: filters.code,
      financer: filters.financer,
      domain: filters.domain,
      arrondissement: filters.arrondissement,
      fiscalYear: filters.fiscalYear,
      from,
      to,
    };
    return this.reader.export(
      res,
      format,
      'avertissements',
      undefined,
      { freshness: fresh, filters: echo, warningCount: rows.length, warnings: rows },
      COLUMNS,
      rows,
    );
  }
}
