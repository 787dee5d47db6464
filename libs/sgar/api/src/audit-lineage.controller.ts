import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import { Access, CurrentPrincipal, FieldErrors, REFERENTIALS, ReadModels, column, readScopeOf, wholeNumberParam } from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import {
  ACT_KIND_LABELS,
  type ActEvent,
  type ActRef,
  LINEAGE_GROUPS,
  type LegalAct,
  PAYMENT_KIND_LABELS,
  actStreamName,
  foldAct,
  meetingStreamName,
  resteAPayer,
  warningView,
} from '@erbm/ledger/domain';
import { NotFound } from '@erbm/shared/kernel';
import { TOTAL_AXES, type TotalFilters, commitmentsBehind, freshness } from '@erbm/ledger/read-models';
import { commitmentHistory, labelOf } from './audit-trail';
import { AuditOperation, AuditReader, HISTORY_COLUMNS, historyQuery, historyRows } from './audit-reader';

/** The auditors' lineage: from a commitment, a payment or a consolidated total to the decisions and acts behind it. */
@ApiTags('audit')
@Controller('audit')
export class AuditLineageController {
  constructor(
    private readonly reader: AuditReader,
    private readonly readModels: ReadModels,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  private async meetingOf(meetingId: string) {
    const events = await this.reader.store.readStream(meetingStreamName(meetingId));
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
      decisions: events
        .filter((e) => e.type === 'governance.DecisionTaken')
        .map((e) => ({
          ...(e.data as { decisionId: string; subject: string; outcome: string; amounts: unknown[] }),
          recordedAt: e.recordedAt,
          recordedBy: e.envelope.actor,
        })),
    };
  }

  /** An act that is not a meeting, as the lineage shows it: kind, issuer, reference, date, document, what it granted. */
  private async actOf(ref: ActRef) {
    const events = await this.reader.store.readStream(actStreamName(ref.actId));
    const state = foldAct(events.map((e) => ({ type: e.type, data: e.data }) as ActEvent));
    const at = state.status === 'recorded' ? state : { ...ref, document: undefined, subject: null, amounts: [], amendedOn: undefined };
    return {
      actId: ref.actId,
      kind: at.kind,
      actKindLabel: ACT_KIND_LABELS[at.kind] ?? at.kind,
      issuer: at.issuer,
      issuerName: this.referentials.parties.at(at.issuer, at.date)?.name ?? this.referentials.governanceBodies.at(at.issuer, at.date)?.name ?? at.issuer,
      reference: at.reference,
      date: at.date,
      document: at.document ?? null,
      subject: at.subject,
      amounts: at.amounts,
      amendedOn: at.amendedOn ?? null,
      recordedBy: events[0]?.envelope.actor ?? null,
    };
  }

  /** The whole chain of one commitment: decisions and meetings, legal acts, amendments, payments, corrections beside what they correct. */
  private async lineageOf(principal: Principal, id: string, asKnownAt?: string) {
    const { entries, state } = commitmentHistory(await this.reader.commitmentEvents(principal, id, asKnownAt));
    if (state.status === 'none') throw new NotFound('commitment', id);
    const decisions = [];
    for (const ref of state.decisions) {
      const meeting = await this.meetingOf(ref.meetingId);
      const decision = meeting?.decisions.find((d) => d.decisionId === ref.decisionId) ?? null;
      const usedBy = entries
        .filter(
          (e) =>
            (e.data as { decision?: { decisionId: string; meetingId: string } }).decision?.decisionId === ref.decisionId &&
            (e.data as { decision?: { meetingId: string } }).decision?.meetingId === ref.meetingId,
        )
        .map((e) => e.revision);
      decisions.push({ ...ref, meeting: meeting && { ...meeting, decisions: undefined }, decision, usedBy });
    }
    const acts = [];
    for (const ref of state.acts.filter((a, i, all) => all.findIndex((b) => b.actId === a.actId) === i)) {
      const usedBy = entries.filter((e) => (e.data as { act?: ActRef }).act?.actId === ref.actId).map((e) => e.revision);
      acts.push({ ...(await this.actOf(ref)), usedBy });
    }
    const byType = (...types: string[]) =>
      entries.filter((e) => types.includes(e.type)).map((e) => ({ ...e, corrections: entries.filter((c) => c.corrects === e.revision) }));
    return {
      commitment: {
        id,
        domain: state.domain,
        operationId: state.operationId,
        financer: state.financer,
        fundingLine: state.fundingLine,
        fiscalYear: state.fiscalYear,
        beneficiaryId: state.beneficiaryId ?? null,
        status: state.status,
        ledgers: state.ledgers,
        resteAPayer: resteAPayer(state.ledgers),
        // Where its facts count in the SGAR's totals: by funding line and year (ADR 0016).
        buckets: (state.buckets ?? []).map((b) => ({
          fundingLine: b.fundingLine,
          fiscalYear: b.fiscalYear,
          ledgers: b.ledgers,
          resteAPayer: resteAPayer(b.ledgers),
        })),
        warnings: state.warnings.map(warningView),
      },
      operation: {
        id: state.operationId,
        domain: state.domain,
        domainHref: `/${state.domain}/operations/${state.operationId}`,
        historyHref: `/audit/history/operation/${state.domain}/${state.operationId}`,
      },
      decisions,
      acts,
      legalActs: byType('ledger.CommitmentMade', 'ledger.CommitmentIncreased', 'ledger.CommitmentReduced')
        .filter((e) => (e.data as { legalAct?: unknown }).legalAct)
        .map((e) => ({ revision: e.revision, ...(e.data as { legalAct: LegalAct }).legalAct, corrections: e.corrections })),
      announcement: byType('ledger.CommitmentAnnounced', 'ledger.CommitmentProgrammed'),
      legalCommitments: byType('ledger.CommitmentMade'),
      amendments: byType(...LINEAGE_GROUPS.amendments),
      carryOvers: byType('ledger.CommitmentCarriedOver'),
      payments: byType('ledger.ServiceCertified', 'ledger.PaymentOrdered', 'ledger.PaymentMade').map((p) => ({
        ...p,
        paymentKindLabel: PAYMENT_KIND_LABELS[(p.data as { kind?: string }).kind ?? ''] ?? null,
      })),
      releases: byType('ledger.CommitmentReleased', 'ledger.CommitmentLapsed'),
      recoveries: byType('ledger.AmountRecovered'),
      corrections: entries.filter((e) => e.corrects !== null).map((c) => ({ ...c, corrected: entries.find((e) => e.revision === c.corrects) })),
      warnings: byType('ledger.CommitmentWarningRaised'),
      closing: byType('ledger.CommitmentClosed'),
      history: entries,
    };
  }

  @Get('lineage/commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  @AuditOperation(
    'lineage',
    'Lineage of a commitment: meetings and decisions, legal acts, amendments, carry-overs, payments, releases, recoveries, corrections beside what they correct',
  )
  async lineage(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @Query('asKnownAt') asKnownAtText?: string,
    @Query('format') formatText?: string,
  ) {
    const { asKnownAt, format } = historyQuery(asKnownAtText, formatText);
    const lineage = await this.lineageOf(principal, id, asKnownAt);
    const rows = historyRows(lineage.history).map((r) => ({
      ...r,
      decisions: lineage.decisions.map((d) => `${d.meeting?.bodyName ?? ''} ${d.date} ${d.decisionId}`).join(' | '),
      acts: lineage.acts.map((a) => `${a.actKindLabel} n° ${a.reference} du ${a.date} (${a.issuerName})`).join(' | '),
    }));
    return this.reader.export(res, format, `lignee-engagement-${id}`, asKnownAt, lineage, [...HISTORY_COLUMNS, column('decisions'), column('acts')], rows);
  }

  @Get('lineage/payment/:commitmentId/:revision')
  @Access('read', 'audit')
  @AuditOperation('payment', 'From a payment upwards: the commitment, its legal acts, the decisions and the meetings that took them')
  async payment(@Param('commitmentId') commitmentId: string, @Param('revision') revisionText: string, @CurrentPrincipal() principal: Principal) {
    const revision = Number(revisionText);
    const lineage = await this.lineageOf(principal, commitmentId);
    const payment = lineage.payments.find((p) => p.revision === revision);
    if (!payment) throw new NotFound('payment', `${commitmentId}/${revisionText}`);
    return {
      export: await this.reader.header(`lignee-paiement-${commitmentId}-${revision}`),
      payment,
      commitment: lineage.commitment,
      legalActs: lineage.legalActs,
      decisions: lineage.decisions,
      acts: lineage.acts,
      operation: lineage.operation,
      chain: [
        { step: labelOf(payment.type), revision: payment.revision, date: payment.occurredAt },
        ...lineage.legalActs.map((a) => ({ step: `Acte juridique ${a.kind} ${a.reference}`, revision: a.revision, date: a.date })),
        ...lineage.decisions.map((d) => ({
          step: `Décision ${d.decisionId} (${d.decision?.subject ?? '?'})`,
          meeting: d.meeting ? `${d.meeting.bodyName}, ${d.meeting.date}, ${d.meeting.place}` : null,
          date: d.date,
        })),
        ...lineage.acts.map((a) => ({
          step: `${a.actKindLabel} n° ${a.reference} (${a.subject ?? '?'})`,
          issuer: a.issuerName,
          document: a.document,
          date: a.date,
        })),
      ],
    };
  }

  @Get('lineage/total')
  @Access('read', 'audit')
  @ApiQuery({ name: 'limit', required: false })
  @AuditOperation('total', 'From a consolidated total (its axes as filters) to the commitments behind it, then their decisions and legal acts')
  async total(@Query() query: Record<string, string | undefined>, @CurrentPrincipal() principal: Principal) {
    const errors = new FieldErrors();
    const filters: TotalFilters = {};
    for (const axis of TOTAL_AXES) {
      const value = query[axis];
      if (value !== undefined) filters[axis] = axis === 'fiscalYear' ? wholeNumberParam(errors, axis, value, 1900, 2200) : value;
    }
    const limit = query.limit === undefined ? 100 : (wholeNumberParam(errors, 'limit', query.limit, 1, 500) ?? 0);
    errors.check();
    if (principal.role === 'editor') {
      if (filters.domain !== undefined && filters.domain !== principal.domain)
        this.reader.requireDomain(principal, String(filters.domain), 'total', 'of another domain');
      filters.domain = principal.domain as string;
    }
    const ds = this.readModels.dataSource('ledger-register');
    const behind = await commitmentsBehind(ds, filters, { limit, offset: 0 }, readScopeOf(principal));
    const commitments = [];
    // A commitment behind a total over several years or lines has a row for each: its lineage is read once.
    const lineages = new Map<string, Awaited<ReturnType<AuditLineageController['lineageOf']>>>();
    for (const c of behind.rows) {
      const lineage = lineages.get(c.id) ?? (await this.lineageOf(principal, c.id));
      lineages.set(c.id, lineage);
      commitments.push({
        ...c,
        decisions: lineage.decisions.map((d) => ({
          meetingId: d.meetingId,
          decisionId: d.decisionId,
          date: d.date,
          body: d.meeting?.bodyName,
          subject: d.decision?.subject ?? null,
        })),
        acts: lineage.acts.map((a) => ({
          actId: a.actId,
          kind: a.kind,
          actKindLabel: a.actKindLabel,
          issuer: a.issuer,
          issuerName: a.issuerName,
          reference: a.reference,
          date: a.date,
          document: a.document,
          subject: a.subject,
        })),
        legalActs: lineage.legalActs,
        lineageHref: `/audit/lineage/commitment/${c.id}`,
      });
    }
    return { freshness: await freshness(ds, 'ledger-register'), filters, total: behind.total, shown: commitments.length, commitments };
  }
}
