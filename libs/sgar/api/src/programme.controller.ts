import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, FieldErrors, InjectClock, type ReadScope, ReadModels, ReaderScope } from '@erbm/shared/api';
import { ACTION_COMMITMENT_STATUSES, isLate, type ActionCommitmentStatus } from '@erbm/ledger/domain';
import { type ActionCommitmentFilters, PROGRAMME_REGISTER, freshness, listActionCommitments } from '@erbm/ledger/read-models';
import { type Clock, todayInParis } from '@erbm/shared/kernel';
import { AuditReader } from './audit-reader';

/** The programme's commitments of action as the SGAR reads them (their history and the agreements' are the auditors' trail's). */
@ApiTags('programme')
@Controller()
export class ProgrammeSgarController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly reader: AuditReader,
    @InjectClock() private readonly clock: Clock,
  ) {}

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
}
