import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import {
  Access,
  CurrentPrincipal,
  FieldErrors,
  InjectClock,
  type DomainPlugin,
  InjectDomains,
  type ReadScope,
  ReadModels,
  ReaderScope,
  readScopeOf,
} from '@erbm/shared/api';
import {
  ACTION_COMMITMENT_STATUSES,
  LEDGER_EVENT_LABELS,
  PROGRAMME_EVENT_LABELS,
  actionCommitmentStreamName,
  agreementStreamName,
  isLate,
  type ActionCommitmentStatus,
} from '@erbm/ledger/domain';
import { type ActionCommitmentFilters, PROGRAMME_REGISTER, freshness, listActionCommitments } from '@erbm/ledger/read-models';
import { type Clock, NotFound, todayInParis } from '@erbm/shared/kernel';
import { type EventLabels, historyOf } from './audit-trail';
import { AuditOperation, AuditReader, HISTORY_COLUMNS, historyQuery, historyRows } from './audit-reader';

/** The programme's own facts as the SGAR and the auditors read them: commitments of action, agreements. */
@ApiTags('programme')
@Controller()
export class ProgrammeSgarController {
  private readonly labels: EventLabels;

  constructor(
    private readonly readModels: ReadModels,
    private readonly reader: AuditReader,
    @InjectClock() private readonly clock: Clock,
    @InjectDomains() domains: readonly DomainPlugin[],
  ) {
    this.labels = Object.assign({}, LEDGER_EVENT_LABELS, PROGRAMME_EVENT_LABELS, ...domains.map((d) => d.eventLabels));
  }

  @Get('sgar/action-commitments')
  @Access('read', 'sgar')
  @ApiQuery({ name: 'party', required: false })
  @ApiQuery({ name: 'domain', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ACTION_COMMITMENT_STATUSES })
  @ApiQuery({ name: 'late', required: false, enum: ['true', 'false'], description: 'true: only those open past their due date today' })
  @ApiOperation({ summary: 'Commitments of action of every domain, by party, domain, status, and those late today' })
  async actionCommitments(
    @ReaderScope() scope: ReadScope,
    @Query('party') party?: string,
    @Query('domain') domain?: string,
    @Query('status') status?: string,
    @Query('late') late?: string,
  ) {
    const errors = new FieldErrors();
    if (status !== undefined && !(ACTION_COMMITMENT_STATUSES as readonly string[]).includes(status))
      errors.add('status', `doit valoir l'une des valeurs ${ACTION_COMMITMENT_STATUSES.join(', ')}`);
    if (late !== undefined && late !== 'true' && late !== 'false') errors.add('late', 'vaut true ou false');
    errors.check();
    const today = todayInParis(this.clock);
    const ds = this.readModels.dataSource(PROGRAMME_REGISTER);
    const filters: ActionCommitmentFilters = {
      ...(party !== undefined ? { party } : {}),
      ...(domain !== undefined ? { domain } : {}),
      ...(status !== undefined ? { status } : {}),
    };
    const rows = await listActionCommitments(ds, { ...filters, ...(late === 'true' ? { lateOn: today } : {}) });
    const admitted = [];
    for (const r of rows) if (await this.reader.gate.admitsActionCommitment(scope, r)) admitted.push(r);
    const shown = admitted
      .map((r) => ({
        id: r.id,
        domain: r.domain,
        party: r.party,
        what: r.what,
        ...(r.operationId !== null ? { operationId: r.operationId } : {}),
        promisedOn: r.promisedOn,
        dueDate: r.dueDate,
        status: r.status,
        late: isLate({ status: r.status as ActionCommitmentStatus, dueDate: r.dueDate }, today),
        ...(r.doneOn !== null ? { doneOn: r.doneOn, evidence: r.evidence } : {}),
        ...(r.abandonReason !== null ? { reason: r.abandonReason } : {}),
        domainHref: `/${r.domain}/action-commitments/${r.id}`,
        historyHref: `/audit/history/action-commitment/${r.id}`,
      }))
      .filter((r) => late !== 'false' || !r.late);
    return { freshness: await freshness(ds, PROGRAMME_REGISTER), filters: { ...filters, ...(late !== undefined ? { late } : {}) }, actionCommitments: shown };
  }

  @Get('audit/history/action-commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('actionCommitment', 'Every fact of a commitment of action: promised, progress, done with its evidence, or abandoned and why')
  async actionCommitment(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    return this.history(res, principal, 'actionCommitment', id, actionCommitmentStreamName(id), true, asKnownAt, format);
  }

  @Get('audit/history/agreement/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('agreement', 'Every fact of a framework agreement: its signature, amendments, signatories joining and leaving')
  async agreement(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    return this.history(res, principal, 'agreement', id, agreementStreamName(id), false, asKnownAt, format);
  }

  private async history(
    res: Response,
    principal: Principal,
    kind: string,
    id: string,
    stream: string,
    ofDomain: boolean,
    asKnownAtText: string | undefined,
    formatText: string | undefined,
  ) {
    const { asKnownAt, format } = historyQuery(asKnownAtText, formatText);
    const events = await this.reader.store.readStream(stream, { recordedUpTo: asKnownAt });
    if (events.length === 0) throw new NotFound(kind, id);
    if (ofDomain) {
      const action = events[0].data as { domain: string; party: string; operationId?: string };
      this.reader.requireDomain(principal, action.domain, kind, id);
      if (!(await this.reader.gate.admitsActionCommitment(readScopeOf(principal), action))) throw new NotFound(kind, id);
    }
    const entries = historyOf(events, this.labels);
    return this.reader.export(
      res,
      format,
      `historique-${kind}-${id}`,
      asKnownAt,
      { [`${kind}Id`]: id, history: entries },
      HISTORY_COLUMNS,
      historyRows(entries),
    );
  }
}
