import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import { Access, CurrentPrincipal, type DomainPlugin, IMPORT_EVENT_LABELS, domainNamed, InjectDomains, readScopeOf } from '@erbm/shared/api';
import type { StoredEvent } from '@erbm/shared/event-store';
import {
  ENVELOPE_EVENT_LABELS,
  LEDGER_EVENT_LABELS,
  PROGRAMME_EVENT_LABELS,
  actStreamName,
  actionCommitmentStreamName,
  agreementStreamName,
  meetingStreamName,
  resteAPayer,
} from '@erbm/ledger/domain';
import { NotFound } from '@erbm/shared/kernel';
import { type EventLabels, commitmentHistory, historyOf } from './audit-trail';
import { AuditOperation, AuditReader, HISTORY_COLUMNS, historyQuery, historyRows } from './audit-reader';

/** The auditors' history of a commitment, an operation, a meeting, an act, a decision, a commitment of action or an agreement: every fact as recorded. */
@ApiTags('audit')
@Controller('audit')
export class AuditHistoryController {
  private readonly labels: EventLabels;

  constructor(
    private readonly reader: AuditReader,
    @InjectDomains() private readonly domains: readonly DomainPlugin[],
  ) {
    this.labels = Object.assign(
      {},
      LEDGER_EVENT_LABELS,
      PROGRAMME_EVENT_LABELS,
      ENVELOPE_EVENT_LABELS,
      IMPORT_EVENT_LABELS,
      ...domains.map((d) => d.eventLabels),
    );
  }

  @Get('history/commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation(
    'commitment',
    'Every fact of a commitment: who, role, organisation, on behalf of, when it happened, when recorded, why, source; its effect on the ledgers',
  )
  async commitment(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAtText?: string,
    @Query('format') formatText?: string,
  ) {
    const { asKnownAt, format } = historyQuery(asKnownAtText, formatText);
    const { entries, state } = commitmentHistory(await this.reader.commitmentEvents(principal, id, asKnownAt));
    const ledgers = state.status === 'none' ? null : state.ledgers;
    return this.reader.export(
      res,
      format,
      `historique-engagement-${id}`,
      asKnownAt,
      { commitmentId: id, ledgers, resteAPayer: ledgers ? resteAPayer(ledgers) : null, history: entries },
      HISTORY_COLUMNS,
      historyRows(entries),
    );
  }

  private async plainHistory(
    res: Response,
    principal: Principal,
    kind: string,
    id: string,
    stream: string,
    domain: string | null | ((events: StoredEvent[]) => { domain: string; admitted: Promise<boolean> }),
    asKnownAtText: string | undefined,
    formatText: string | undefined,
    filter: (e: StoredEvent) => boolean = () => true,
  ) {
    const { asKnownAt, format } = historyQuery(asKnownAtText, formatText);
    const events = (await this.reader.store.readStream(stream, { recordedUpTo: asKnownAt })).filter(filter);
    if (events.length === 0) throw new NotFound(kind, id);
    // A thing of a domain: an editor reads its own domain's, a narrowed reader what its scope admits (else "not found").
    const owner =
      typeof domain === 'function'
        ? domain(events)
        : domain
          ? { domain, admitted: this.reader.gate.admitsOperation(readScopeOf(principal), domain, id) }
          : undefined;
    if (owner) {
      this.reader.requireDomain(principal, owner.domain, kind, id);
      if (!(await owner.admitted)) throw new NotFound(kind, id);
    }
    const entries = historyOf(await this.reader.gate.facts(readScopeOf(principal), events), this.labels);
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

  @Get('history/operation/:domain/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('operation', 'Every fact of an operation of a domain')
  operation(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    const plugin = domainNamed(this.domains, domain);
    if (!plugin) throw new NotFound('domain', domain);
    return this.plainHistory(res, principal, 'operation', id, plugin.operations.streamName(id), domain, asKnownAt, format);
  }

  @Get('history/meeting/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('meeting', 'A meeting and every decision it took, as recorded')
  meeting(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    return this.plainHistory(res, principal, 'meeting', id, meetingStreamName(id), null, asKnownAt, format);
  }

  @Get('history/act/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('act', 'An act that is not a meeting (arrêté, délibération, convention…), its amendments and what was programmed under it')
  act(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    return this.plainHistory(res, principal, 'act', id, actStreamName(id), null, asKnownAt, format);
  }

  @Get('history/action-commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('actionCommitment', 'Every fact of a commitment of action: promised, progress, done with its evidence, or abandoned and why')
  actionCommitment(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    const ofParty = (events: StoredEvent[]) => {
      const action = events[0].data as { domain: string; party: string; operationId?: string };
      return { domain: action.domain, admitted: this.reader.gate.admitsActionCommitment(readScopeOf(principal), action) };
    };
    return this.plainHistory(res, principal, 'actionCommitment', id, actionCommitmentStreamName(id), ofParty, asKnownAt, format);
  }

  @Get('history/agreement/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('agreement', 'Every fact of a framework agreement: its signature, amendments, signatories joining and leaving')
  agreement(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAt?: string,
    @Query('format') format?: string,
  ) {
    return this.plainHistory(res, principal, 'agreement', id, agreementStreamName(id), null, asKnownAt, format);
  }

  @Get('history/decision/:meetingId/:decisionId')
  @Access('read', 'audit')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation('decision', 'A decision and the meeting that took it')
  decision(
    @Param('meetingId') meetingId: string,
    @Param('decisionId') decisionId: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('format') format?: string,
  ) {
    return this.plainHistory(
      res,
      principal,
      'decision',
      decisionId,
      meetingStreamName(meetingId),
      null,
      undefined,
      format,
      (e) => e.type === 'governance.MeetingHeld' || (e.data as { decisionId?: string }).decisionId === decisionId,
    );
  }
}
