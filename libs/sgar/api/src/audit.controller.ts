import { Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import { Access, type CsvColumn, CurrentPrincipal, type DomainPlugin, domainNamed, EVENT_STORE, InjectDomains, ProblemException, REFERENTIALS, ReadModels, SQL_DATABASE, toCsv, toXlsx } from '@erbm/shared/api';
import { type EventStore, type SqlDatabase, type StoredEvent, createSeal, latestSeal, listSeals, verifyEventLog } from '@erbm/shared/event-store';
import type { Referentials } from '@erbm/shared/referentials';
import { LEDGER_EVENT_LABELS, type LegalAct, PAYMENT_KIND_LABELS, commitmentStreamName, meetingStreamName, resteAPayer } from '@erbm/ledger/domain';
import { NotFound, parseBusinessDate } from '@erbm/shared/kernel';
import { TOTAL_AXES, type TotalFilters, commitmentsBehind, freshness } from '@erbm/ledger/read-models';
import { type EventLabels, type HistoryEntry, commitmentAsOf, commitmentHistory, historyOf, labelOf } from './audit-trail';

function badRequest(field: string, reason: string) {
  return ProblemException.of(400, 'invalid-request', 'Invalid request', `${field} ${reason}`, { field, errors: [{ field, reason }] });
}

function knownAt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw badRequest('asKnownAt', 'is an ISO 8601 date-time');
  return new Date(value).toISOString();
}

const HISTORY_COLUMNS: CsvColumn[] = [
  { key: 'revision', label: 'révision' },
  { key: 'label', label: 'fait' },
  { key: 'occurredAt', label: 'date du fait' },
  { key: 'recordedAt', label: 'enregistré le' },
  { key: 'recordedBy', label: 'enregistré par' },
  { key: 'role', label: 'rôle' },
  { key: 'organisation', label: 'organisation' },
  { key: 'onBehalfOf', label: 'pour le compte de' },
  { key: 'reason', label: 'motif' },
  { key: 'sourceDocument', label: 'pièce' },
  { key: 'corrects', label: 'corrige la révision' },
  { key: 'ledger', label: 'grand livre' },
  { key: 'amountCents', label: 'montant (€)', money: true },
  { key: 'position', label: 'position dans le journal' },
  { key: 'hash', label: 'empreinte' },
];

/** One line per ledger effect (a fact that moves no ledger keeps one line): the lines re-add to the ledgers. */
const historyRows = (entries: HistoryEntry[]) =>
  entries.flatMap((e) => (e.effects.length ? e.effects.map((x) => ({ ...e, ledger: x.ledger, amountCents: x.amountCents })) : [{ ...e, ledger: '', amountCents: 0 }]));

/** The auditors' trail: history, lineage, state as of a past time, seals and verification; exports in CSV and XLSX. */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  private readonly labels: EventLabels;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectDomains() private readonly domains: readonly DomainPlugin[],
  ) {
    this.labels = Object.assign({}, LEDGER_EVENT_LABELS, ...domains.map((d) => d.eventLabels));
  }

  /** Editors see the trail of their own domain; the SGAR, auditors and admins see everything. */
  private requireDomain(principal: Principal, domain: string, kind: string, id: string): void {
    if (principal.role === 'editor' && principal.domain !== domain)
      throw ProblemException.of(403, 'forbidden', 'Forbidden', `The ${kind} ${id} belongs to domain ${domain}: an editor of ${principal.domain} sees the trail of ${principal.domain} only`);
  }

  private async header(asKnownAt?: string) {
    const seal = await latestSeal(this.db).catch(() => null);
    return {
      'as known at': asKnownAt ?? new Date().toISOString(),
      'position in the log': asKnownAt ? null : await this.store.head(),
      'latest seal digest': seal ? `${seal.digest} (seal ${seal.sealNumber}, up to ${seal.upToPosition})` : null,
    };
  }

  /** Answers JSON, CSV or XLSX itself: the same rows, headed with the as-of time, the log position and the latest seal. */
  private async export(res: Response, format: string | undefined, name: string, asKnownAt: string | undefined, json: Record<string, unknown>, columns: CsvColumn[], rows: Record<string, unknown>[]): Promise<void> {
    if (format !== undefined && !['json', 'csv', 'xlsx'].includes(format)) throw badRequest('format', 'is json, csv or xlsx');
    const header = await this.header(asKnownAt);
    if (format === undefined || format === 'json') {
      res.status(200).json({ export: header, ...json });
      return;
    }
    const meta = { export: name, ...header };
    if (format === 'csv') {
      res.status(200).setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      res.type('text/csv; charset=utf-8').send(toCsv(meta, columns, rows));
      return;
    }
    res.status(200).setHeader('Content-Disposition', `attachment; filename="${name}.xlsx"`);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(meta, columns, rows, name));
  }

  private async commitmentEvents(principal: Principal, id: string, asKnownAt?: string): Promise<StoredEvent[]> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('commitment', id);
    const events = await this.store.readStream(commitmentStreamName(id), { recordedUpTo: asKnownAt });
    if (events.length === 0) throw new NotFound('commitment', id);
    this.requireDomain(principal, (events[0].data as { domain: string }).domain, 'commitment', id);
    return events;
  }

  @Get('history/commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({ summary: 'Every fact of a commitment: who, role, organisation, on behalf of, when it happened, when recorded, why, source; its effect on the ledgers' })
  async commitment(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response, @Query('asKnownAt') asKnownAtText?: string, @Query('format') format?: string) {
    const asKnownAt = knownAt(asKnownAtText);
    const { entries, state } = commitmentHistory(await this.commitmentEvents(principal, id, asKnownAt));
    const ledgers = state.status === 'none' ? null : state.ledgers;
    return this.export(res, format, `historique-engagement-${id}`, asKnownAt, { commitmentId: id, ledgers, resteAPayerCents: ledgers ? resteAPayer(ledgers) : null, history: entries }, HISTORY_COLUMNS, historyRows(entries));
  }

  private async plainHistory(res: Response, principal: Principal, kind: string, id: string, stream: string, domain: string | null, asKnownAtText: string | undefined, format: string | undefined, filter: (e: StoredEvent) => boolean = () => true) {
    const asKnownAt = knownAt(asKnownAtText);
    const events = (await this.store.readStream(stream, { recordedUpTo: asKnownAt })).filter(filter);
    if (events.length === 0) throw new NotFound(kind, id);
    if (domain) this.requireDomain(principal, domain, kind, id);
    const entries = historyOf(events, this.labels);
    return this.export(res, format, `historique-${kind}-${id}`, asKnownAt, { [`${kind}Id`]: id, history: entries }, HISTORY_COLUMNS, historyRows(entries));
  }

  @Get('history/operation/:domain/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({ summary: 'Every fact of an operation of a domain' })
  operation(@Param('domain') domain: string, @Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response, @Query('asKnownAt') asKnownAt?: string, @Query('format') format?: string) {
    const plugin = domainNamed(this.domains, domain);
    if (!plugin) throw new NotFound('domain', domain);
    return this.plainHistory(res, principal, 'operation', id, plugin.operations.streamName(id), domain, asKnownAt, format);
  }

  @Get('history/meeting/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({ summary: 'A meeting and every decision it took, as recorded' })
  meeting(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response, @Query('asKnownAt') asKnownAt?: string, @Query('format') format?: string) {
    return this.plainHistory(res, principal, 'meeting', id, meetingStreamName(id), null, asKnownAt, format);
  }

  @Get('history/decision/:meetingId/:decisionId')
  @Access('read', 'audit')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({ summary: 'A decision and the meeting that took it' })
  decision(@Param('meetingId') meetingId: string, @Param('decisionId') decisionId: string, @CurrentPrincipal() principal: Principal, @Res() res: Response, @Query('format') format?: string) {
    return this.plainHistory(res, principal, 'decision', decisionId, meetingStreamName(meetingId), null, undefined, format, (e) => e.type === 'governance.MeetingHeld' || (e.data as { decisionId?: string }).decisionId === decisionId);
  }

  private async meetingOf(meetingId: string) {
    const events = await this.store.readStream(meetingStreamName(meetingId));
    const held = events.find((e) => e.type === 'governance.MeetingHeld');
    if (!held) return null;
    const d = held.data as { body: string; date: string; place: string; minutesReference?: string };
    const minutes = [...events].reverse().find((e) => e.type === 'governance.MinutesRecorded')?.data as { minutesReference: string } | undefined;
    return {
      meetingId,
      body: d.body,
      bodyName: this.referentials.governanceBodies.all.find((b) => b.id === d.body)?.name ?? d.body,
      date: d.date,
      place: d.place,
      minutesReference: minutes?.minutesReference ?? d.minutesReference ?? null,
      recordedBy: held.envelope.actor,
      decisions: events.filter((e) => e.type === 'governance.DecisionTaken').map((e) => ({ ...(e.data as { decisionId: string; subject: string; outcome: string; amounts: unknown[] }), recordedAt: e.recordedAt, recordedBy: e.envelope.actor })),
    };
  }

  /** The whole chain of one commitment: decisions and meetings, legal acts, amendments, payments, corrections beside what they correct. */
  private async lineageOf(principal: Principal, id: string, asKnownAt?: string) {
    const { entries, state } = commitmentHistory(await this.commitmentEvents(principal, id, asKnownAt));
    if (state.status === 'none') throw new NotFound('commitment', id);
    const decisions = [];
    for (const ref of state.decisions) {
      const meeting = await this.meetingOf(ref.meetingId);
      const decision = meeting?.decisions.find((d) => d.decisionId === ref.decisionId) ?? null;
      const usedBy = entries.filter((e) => (e.data as { decision?: { decisionId: string; meetingId: string } }).decision?.decisionId === ref.decisionId && (e.data as { decision: { meetingId: string } }).decision.meetingId === ref.meetingId).map((e) => e.revision);
      decisions.push({ ...ref, meeting: meeting && { ...meeting, decisions: undefined }, decision, usedBy });
    }
    const byType = (...types: string[]) => entries.filter((e) => types.includes(e.type)).map((e) => ({ ...e, corrections: entries.filter((c) => c.corrects === e.revision) }));
    return {
      commitment: { id, domain: state.domain, operationId: state.operationId, financer: state.financer, fundingLine: state.fundingLine, fiscalYear: state.fiscalYear, status: state.status, ledgers: state.ledgers, resteAPayerCents: resteAPayer(state.ledgers), warnings: state.warnings },
      operation: { id: state.operationId, domain: state.domain, href: `/${state.domain}/operations/${state.operationId}`, history: `/audit/history/operation/${state.domain}/${state.operationId}` },
      decisions,
      legalActs: byType('ledger.CommitmentMade', 'ledger.CommitmentIncreased', 'ledger.CommitmentReduced').filter((e) => (e.data as { legalAct?: unknown }).legalAct).map((e) => ({ revision: e.revision, ...(e.data as { legalAct: LegalAct }).legalAct, corrections: e.corrections })),
      announcement: byType('ledger.CommitmentAnnounced', 'ledger.CommitmentProgrammed'),
      commitments: byType('ledger.CommitmentMade'),
      amendments: byType('ledger.CommitmentIncreased', 'ledger.CommitmentReduced', 'ledger.CommitmentFundingLineChanged'),
      carryOvers: byType('ledger.CommitmentCarriedOver'),
      payments: byType('ledger.ServiceCertified', 'ledger.PaymentOrdered', 'ledger.PaymentMade').map((p) => ({ ...p, kindLabel: PAYMENT_KIND_LABELS[(p.data as { kind?: string }).kind ?? ''] ?? null })),
      releases: byType('ledger.CommitmentReleased', 'ledger.CommitmentLapsed'),
      recoveries: byType('ledger.AmountRecovered'),
      corrections: entries.filter((e) => e.corrects !== null).map((c) => ({ ...c, corrected: entries.find((e) => e.revision === c.corrects) })),
      warnings: byType('ledger.CommitmentWarningRaised'),
      closing: byType('ledger.CommitmentClosed'),
      entries,
    };
  }

  @Get('lineage/commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @ApiOperation({ summary: 'Lineage of a commitment: meetings and decisions, legal acts, amendments, carry-overs, payments, releases, recoveries, corrections beside what they correct' })
  async lineage(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response, @Query('asKnownAt') asKnownAtText?: string, @Query('format') format?: string) {
    const asKnownAt = knownAt(asKnownAtText);
    const lineage = await this.lineageOf(principal, id, asKnownAt);
    const rows = historyRows(lineage.entries).map((r) => ({ ...r, decisions: lineage.decisions.map((d) => `${d.meeting?.bodyName ?? ''} ${d.date} ${d.decisionId}`).join(' | ') }));
    return this.export(res, format, `lignee-engagement-${id}`, asKnownAt, lineage, [...HISTORY_COLUMNS, { key: 'decisions', label: 'décisions' }], rows);
  }

  @Get('lineage/payment/:commitmentId/:revision')
  @Access('read', 'audit')
  @ApiOperation({ summary: 'From a payment upwards: the commitment, its legal acts, the decisions and the meetings that took them' })
  async payment(@Param('commitmentId') commitmentId: string, @Param('revision') revisionText: string, @CurrentPrincipal() principal: Principal) {
    const revision = Number(revisionText);
    const lineage = await this.lineageOf(principal, commitmentId);
    const payment = lineage.payments.find((p) => p.revision === revision);
    if (!payment) throw new NotFound('payment', `${commitmentId}/${revisionText}`);
    return {
      export: await this.header(),
      payment,
      commitment: lineage.commitment,
      legalActs: lineage.legalActs,
      decisions: lineage.decisions,
      operation: lineage.operation,
      chain: [
        { step: labelOf(payment.type), revision: payment.revision, date: payment.occurredAt },
        ...lineage.legalActs.map((a) => ({ step: `Acte juridique ${a.kind} ${a.reference}`, revision: a.revision, date: a.date })),
        ...lineage.decisions.map((d) => ({ step: `Décision ${d.decisionId} (${d.decision?.subject ?? '?'})`, meeting: d.meeting ? `${d.meeting.bodyName}, ${d.meeting.date}, ${d.meeting.place}` : null, date: d.date })),
      ],
    };
  }

  @Get('lineage/total')
  @Access('read', 'audit')
  @ApiQuery({ name: 'limit', required: false })
  @ApiOperation({ summary: 'From a consolidated total (its axes as filters) to the commitments behind it, then their decisions and legal acts' })
  async total(@Query() query: Record<string, string | undefined>, @CurrentPrincipal() principal: Principal) {
    const filters: TotalFilters = {};
    for (const axis of TOTAL_AXES) if (query[axis] !== undefined) filters[axis] = axis === 'fiscalYear' ? Number(query[axis]) : query[axis];
    if (principal.role === 'editor') {
      if (filters.domain !== undefined && filters.domain !== principal.domain) this.requireDomain(principal, String(filters.domain), 'total', 'of another domain');
      filters.domain = principal.domain as string;
    }
    const limit = Math.min(500, Number(query.limit ?? 100));
    const ds = this.readModels.dataSource('ledger-register');
    const behind = await commitmentsBehind(ds, filters, { limit, offset: 0 });
    const commitments = [];
    for (const c of behind.rows) {
      const lineage = await this.lineageOf(principal, c.id);
      commitments.push({ ...c, decisions: lineage.decisions.map((d) => ({ meetingId: d.meetingId, decisionId: d.decisionId, date: d.date, body: d.meeting?.bodyName, subject: d.decision?.subject ?? null })), legalActs: lineage.legalActs, lineage: `/audit/lineage/commitment/${c.id}` });
    }
    return { freshness: await freshness(ds, 'ledger-register'), filters, total: behind.total, count: behind.count, shown: commitments.length, commitments };
  }

  @Get('state/commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false, description: 'what the system had recorded by then' })
  @ApiQuery({ name: 'asOf', required: false, description: 'business date: what had happened by then, as known now' })
  @ApiOperation({ summary: 'A commitment as known at a past time, or as of a business date' })
  async state(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Query('asKnownAt') asKnownAtText?: string, @Query('asOf') asOfText?: string) {
    const asKnownAt = knownAt(asKnownAtText);
    const asOf = asOfText === undefined ? undefined : parseBusinessDate(asOfText);
    if (asOfText !== undefined && !asOf) throw badRequest('asOf', 'is a date');
    const events = await this.commitmentEvents(principal, id, asKnownAt).catch((e) => {
      if (e instanceof NotFound && asKnownAt) throw ProblemException.of(404, 'not-found', 'Not found', `Commitment ${id} was not recorded yet at ${asKnownAt}`);
      throw e;
    });
    if (asOf) return { commitmentId: id, asKnownAt: asKnownAt ?? null, ...commitmentAsOf(events, asOf) };
    const { state } = commitmentHistory(events);
    return { commitmentId: id, asKnownAt: asKnownAt ?? null, revision: events[events.length - 1].revision, state };
  }

  @Get('seals')
  @Access('read', 'audit')
  @ApiOperation({ summary: 'The seals of the log: digests an auditor can keep outside the system' })
  async seals() {
    return { seals: await listSeals(this.db) };
  }

  @Post('seals')
  @HttpCode(201)
  @Access('write', 'audit')
  @ApiOperation({ summary: 'Seal the log up to its head now (admin)' })
  async seal(@CurrentPrincipal() principal: Principal) {
    const seal = await createSeal(this.db, principal.userId);
    return seal ? { seal } : { seal: null, detail: 'nothing recorded since the last seal' };
  }

  @Get('verify')
  @Access('read', 'audit')
  @ApiQuery({ name: 'digest', required: false, description: 'a seal digest kept outside the system' })
  @ApiOperation({ summary: 'Recompute every hash chain and every seal; name the first event that does not match' })
  async verify(@Query('digest') digest?: string) {
    if (digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(digest)) throw badRequest('digest', 'is 64 hexadecimal digits');
    return verifyEventLog(this.db, { digest });
  }
}

