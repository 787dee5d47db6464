import { Inject, Injectable } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@erbm/shared/auth';
import {
  type CsvColumn,
  EVENT_STORE,
  type ExportFormat,
  type ExportHeader,
  FieldErrors,
  InjectClock,
  ProblemException,
  SQL_DATABASE,
  column,
  exportFormat,
  exportHeader,
  instantParam,
  readScopeOf,
  sendExport,
} from '@erbm/shared/api';
import { ReadScopeGate } from '@erbm/ledger/read-models';
import { type EventStore, type SqlDatabase, type StoredEvent, sealKeeper } from '@erbm/shared/event-store';
import { commitmentStreamName } from '@erbm/ledger/domain';
import { type Clock, NotFound } from '@erbm/shared/kernel';
import type { HistoryEntry } from './audit-trail';

/** `?asKnownAt=`: an instant, normalised to ISO 8601 in UTC. */
export const knownAt = (errors: FieldErrors, value: string | undefined): string | undefined =>
  value === undefined ? undefined : instantParam(errors, 'asKnownAt', value);

/** The two parameters of the trail's views that may be exported, checked together. */
export function historyQuery(asKnownAtText: string | undefined, formatText: string | undefined): { asKnownAt?: string; format: ExportFormat } {
  const errors = new FieldErrors();
  const asKnownAt = knownAt(errors, asKnownAtText);
  const format = exportFormat(errors, formatText);
  errors.check();
  return { asKnownAt, format };
}

/**
 * An audit route's OpenAPI operation, under the operationId it had when one AuditController served the whole trail:
 * clients generated from the document name their methods after it.
 */
export const AuditOperation = (method: string, summary: string) => ApiOperation({ summary, operationId: `AuditController_${method}` });

export const HISTORY_COLUMNS: CsvColumn[] = [
  column('revision'),
  column('label'),
  column('occurredAt'),
  column('recordedAt'),
  column('recordedBy'),
  column('role'),
  column('organisation'),
  column('onBehalfOf'),
  column('reason'),
  column('sourceDocument'),
  column('corrects'),
  column('ledger'),
  column('amountCents', { money: true }),
  column('position'),
  column('hash'),
];

/** One line per ledger effect (a fact that moves no ledger keeps one line): the lines re-add to the ledgers. */
export const historyRows = (entries: HistoryEntry[]) =>
  entries.flatMap((e) =>
    e.effects.length ? e.effects.map((x) => ({ ...e, ledger: x.ledger, amountCents: x.amountCents })) : [{ ...e, ledger: '', amountCents: 0 }],
  );

/** What the auditors' routes share: the log as the principal may read it, and the exports of what they show. */
@Injectable()
export class AuditReader {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @InjectClock() private readonly clock: Clock,
    readonly gate: ReadScopeGate,
  ) {}

  /** Editors see the trail of their own domain; the SGAR, auditors and admins see everything. */
  requireDomain(principal: Principal, domain: string, kind: string, id: string): void {
    if (principal.role === 'editor' && principal.domain !== domain)
      throw ProblemException.of(
        403,
        'forbidden',
        'Accès refusé',
        `Ce qui est demandé relève du domaine ${domain} : un éditeur du domaine ${principal.domain} ne voit que la piste d'audit de son domaine.`,
        { kind, id },
      );
  }

  async commitmentEvents(principal: Principal, id: string, asKnownAt?: string): Promise<StoredEvent[]> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('commitment', id);
    const events = await this.store.readStream(commitmentStreamName(id), { recordedUpTo: asKnownAt });
    if (events.length === 0) throw new NotFound('commitment', id);
    const announced = events[0].data as { domain: string; financer: string; operationId: string };
    this.requireDomain(principal, announced.domain, 'commitment', id);
    await this.gate.requireCommitment(readScopeOf(principal), announced, id);
    return events;
  }

  /** The log as known at the time asked for (no position: the log does not say where it stood then), or now at its head. */
  private async knownNow(asKnownAt: string | undefined) {
    return { asKnownAt: asKnownAt ?? this.clock.now().toISOString(), position: asKnownAt ? null : await this.store.head() };
  }

  async header(name: string, asKnownAt?: string): Promise<ExportHeader> {
    return exportHeader({ seals: sealKeeper(this.store, this.db), clock: this.clock }, { name, ...(await this.knownNow(asKnownAt)) });
  }

  async export(
    res: Response,
    format: ExportFormat,
    name: string,
    asKnownAt: string | undefined,
    body: Record<string, unknown>,
    columns: CsvColumn[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    await sendExport(
      res,
      { seals: sealKeeper(this.store, this.db), clock: this.clock },
      { format, name, ...(await this.knownNow(asKnownAt)), body, table: () => ({ columns, rows }) },
    );
  }
}
