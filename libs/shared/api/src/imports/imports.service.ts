import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Principal } from '@erbm/shared/auth';
import type { EventEnvelope, EventStore, ExpectedRevision, NewEvent, SourceDocument, StoredEvent } from '@erbm/shared/event-store';
import { type Clock, NotFound, RuleViolation, eventUpcasters, systemClock, todayInParis } from '@erbm/shared/kernel';
import { CLOCK } from '../clock';
import { type CommandContext, uuidFrom } from '../command-context';
import { EVENT_STORE } from '../event-store.module';
import type { DomainPlugin } from '../domains/domain-plugin.types';
import { DOMAIN_PLUGINS } from '../domains/domain-plugins.token';
import { ProblemException } from '../problem-details';
import type { ImportNote, ImportOutcome, ImportRejection, ImportSource, ImportWriter } from './import-source';

/** The facts of an import, in its own stream `import-<importId>`, and its line in the index stream `imports`. */
export const IMPORT_STARTED = 'imports.ImportStarted';
export const IMPORT_COMPLETED = 'imports.ImportCompleted';
export const IMPORT_LISTED = 'imports.ImportListed';
export const IMPORTS_INDEX_STREAM = 'imports';
export const importStreamName = (importId: string): string => `import-${importId}`;

/** What an auditor reads for each fact of an import. */
export const IMPORT_EVENT_LABELS: Readonly<Record<string, string>> = {
  [IMPORT_STARTED]: 'Import commencé',
  [IMPORT_COMPLETED]: 'Import terminé',
  [IMPORT_LISTED]: 'Import inscrit au registre des imports',
};

/** Rejections the report and the Completed fact list one by one; beyond, only their count. */
export const MAX_LISTED_REJECTIONS = 1_000;

export interface ImportStartedData {
  importId: string;
  source: string;
  domain: string;
  fileName: string;
  sha256: string;
  size: number;
}

export interface ImportCompletedData {
  rowsRead: number;
  created: number;
  unchanged: number;
  changed: number;
  rejected: ImportRejection[];
  rejectedCount: number;
  extractedOn?: string;
  notes?: ImportNote[];
  eventsWritten: number;
}

/** What an import did (or, in a dry run, would do): the HTTP answer and the command's JSON. */
export interface ImportReport {
  importId: string;
  source: string;
  domain: string;
  fileName: string;
  sha256: string;
  dryRun: boolean;
  /** The same file was imported before: nothing was written now, and this is what that import found. */
  alreadyImported: boolean;
  rowsRead: number;
  created: number;
  unchanged: number;
  changed: number;
  /** The rejected rows, the first `MAX_LISTED_REJECTIONS` of them. */
  rejected: ImportRejection[];
  rejectedCount: number;
  eventsWritten: number;
  extractedOn?: string;
  notes?: ImportNote[];
  /** When the import was recorded (its Completed fact) and by whom; absent in a dry run. */
  importedAt?: string;
  importedBy?: string;
}

/** One import in the list: started (interrupted, or running) or completed. */
export interface ImportSummary {
  importId: string;
  source: string;
  domain: string;
  fileName: string;
  sha256: string;
  status: 'started' | 'completed';
  /** When it started, and by whom. */
  recordedAt: string;
  recordedBy: string;
  importedAt: string | null;
  rowsRead: number | null;
  created: number | null;
  unchanged: number | null;
  changed: number | null;
  rejectedCount: number | null;
  eventsWritten: number | null;
}

export interface ImportRunOptions {
  dryRun?: boolean;
  /** Rows handled so far, of how many (the command's progress bar). */
  progress?: (done: number, total: number) => void;
}

export interface UploadedImportFile {
  fileName: string;
  content: Buffer;
}

/** A source with the domain that declares it. */
export interface RegisteredSource {
  domain: string;
  source: ImportSource;
}

/**
 * Runs a domain's import sources (`ImportSource`): hashes the file, records the import as facts of the trail, hands the
 * source a writer whose events cite the import, and reports. The same bytes are imported once: the import's id is a
 * function of the source and the file's SHA-256, and a completed import answers its report again, writing nothing.
 */
@Injectable()
export class ImportsService {
  private registered?: RegisteredSource[];

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DOMAIN_PLUGINS) private readonly domains: readonly DomainPlugin[],
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /** Every source of the domains served, resolved from the process's container. */
  sources(): RegisteredSource[] {
    this.registered ??= this.domains.flatMap((domain) =>
      (domain.imports ?? []).map((type) => ({ domain: domain.name, source: this.moduleRef.get<ImportSource>(type, { strict: false }) })),
    );
    return this.registered;
  }

  /** The source of that name, of that domain when one is given; else 404. */
  find(domain: string | undefined, sourceName: string): RegisteredSource {
    const found = this.sources().find((s) => s.source.name === sourceName && (domain === undefined || s.domain === domain));
    if (found) return found;
    const known = this.sources()
      .filter((s) => domain === undefined || s.domain === domain)
      .map((s) => s.source.name);
    throw ProblemException.of(
      404,
      'not-found',
      'Introuvable',
      `Aucune source d'import « ${sourceName} »${domain ? ` dans le domaine ${domain}` : ''}. ${known.length ? `Sources connues : ${known.join(', ')}.` : "Ce domaine n'importe aucun fichier."}`,
      { kind: 'importSource', id: sourceName },
    );
  }

  async run(
    domain: string | undefined,
    sourceName: string,
    file: UploadedImportFile,
    ctx: CommandContext,
    options: ImportRunOptions = {},
  ): Promise<ImportReport> {
    const { domain: owner, source } = this.find(domain, sourceName);
    const extension = extname(file.fileName).toLowerCase();
    if (!source.extensions.map((e) => e.toLowerCase()).includes(extension))
      throw new RuleViolation(
        'import-file-extension',
        `La source ${source.name} lit les fichiers ${source.extensions.join(', ')} : « ${file.fileName} » n'en est pas un.`,
        'file',
        { accepted: source.extensions.join(', ') },
      );
    const dryRun = options.dryRun ?? false;
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    const importId = uuidFrom(`import\u0000${source.name}\u0000${sha256}`);
    const stream = importStreamName(importId);
    const existing = await this.store.readStream(stream);
    const started = existing.find((e) => e.type === IMPORT_STARTED) as StoredEvent<string, ImportStartedData> | undefined;
    const completed = existing.find((e) => e.type === IMPORT_COMPLETED) as StoredEvent<string, ImportCompletedData> | undefined;
    if (completed && started) return reportOf(started, completed, { alreadyImported: true, dryRun });

    const sourceDocument: SourceDocument = { kind: 'import', reference: importId, sha256 };
    const now = this.clock.now().toISOString();
    const envelope = (occurredAt: string, reason: string): EventEnvelope => ({
      actor: { userId: ctx.principal.userId, role: ctx.principal.role, organisation: ctx.principal.organisation },
      ...(ctx.principal.party ? { onBehalfOf: ctx.principal.party } : {}),
      occurredAt,
      reason,
      sourceDocument: { ...sourceDocument },
      correlationId: ctx.correlationId,
    });
    const fact = (id: string, type: string, data: unknown, occurredAt = now, reason = `Import de ${file.fileName}`): NewEvent => ({
      id,
      type,
      schemaVersion: eventUpcasters.currentVersion(type),
      data: JSON.parse(JSON.stringify(data)),
      envelope: envelope(occurredAt, reason),
    });
    const startedData: ImportStartedData = { importId, source: source.name, domain: owner, fileName: file.fileName, sha256, size: file.content.length };
    // Started is written before the source's first write, or before Completed when it wrote nothing: a file the source
    // refuses outright (not its format) leaves no trace, and every event it writes follows its import's start.
    let begin: Promise<void> | undefined = started ? Promise.resolve() : undefined;
    const ensureStarted = () =>
      (begin ??= (async () => {
        await this.store.append(stream, [fact(uuidFrom(`${importId}\u0000started`), IMPORT_STARTED, startedData)], 'no_stream');
        await this.store.append(IMPORTS_INDEX_STREAM, [fact(uuidFrom(`${importId}\u0000listed`), IMPORT_LISTED, { importId })], 'any');
      })());
    // A resumed import keeps the name and the actor of its first start.
    const begun = started?.data ?? startedData;

    let eventsWritten = 0;
    const writer: ImportWriter = {
      append: async (target, events, expected: ExpectedRevision, occurredAt, reason) => {
        if (events.length === 0) return;
        eventsWritten += events.length;
        if (dryRun) return;
        await ensureStarted();
        await this.store.append(
          target,
          events.map((e, index) =>
            fact(
              uuidFrom(`${importId}\u0000${target}\u0000${String(expected)}\u0000${index}`),
              e.type,
              e.data,
              e.occurredAt ?? occurredAt,
              e.reason ?? reason ?? `Import de ${begun.fileName}`,
            ),
          ),
          expected,
        );
      },
    };
    const outcome: ImportOutcome = await source.run(
      { fileName: begun.fileName, content: file.content, sha256 },
      { importId, dryRun, store: this.store, writer, today: todayInParis(this.clock), progress: options.progress ?? (() => undefined) },
    );
    const completedData: ImportCompletedData = {
      rowsRead: outcome.rowsRead,
      created: outcome.created,
      unchanged: outcome.unchanged,
      changed: outcome.changed,
      rejected: outcome.rejected.slice(0, MAX_LISTED_REJECTIONS),
      rejectedCount: outcome.rejected.length,
      ...(outcome.extractedOn ? { extractedOn: outcome.extractedOn } : {}),
      ...(outcome.notes?.length ? { notes: outcome.notes } : {}),
      eventsWritten,
    };
    if (dryRun) return { ...begun, dryRun, alreadyImported: false, ...completedData };
    await ensureStarted();
    await this.store.append(stream, [fact(uuidFrom(`${importId}\u0000completed`), IMPORT_COMPLETED, completedData)], 0);
    const [first, last] = await this.factsOf(stream);
    return reportOf(first, last as StoredEvent<string, ImportCompletedData>, { alreadyImported: false, dryRun });
  }

  private async factsOf(stream: string): Promise<[StoredEvent<string, ImportStartedData>, StoredEvent<string, ImportCompletedData> | undefined]> {
    const events = await this.store.readStream(stream);
    return [
      events.find((e) => e.type === IMPORT_STARTED) as StoredEvent<string, ImportStartedData>,
      events.find((e) => e.type === IMPORT_COMPLETED) as StoredEvent<string, ImportCompletedData> | undefined,
    ];
  }

  /** Every import the reader may see (an editor: its domain's), newest first. */
  async list(principal: Principal): Promise<ImportSummary[]> {
    const index = await this.store.readStream(IMPORTS_INDEX_STREAM);
    const ids = [...new Set(index.filter((e) => e.type === IMPORT_LISTED).map((e) => (e.data as { importId: string }).importId))];
    const summaries: ImportSummary[] = [];
    for (const importId of ids) {
      const [started, completed] = await this.factsOf(importStreamName(importId));
      if (!started || !mayRead(principal, started.data.domain)) continue;
      const counts = completed?.data;
      summaries.push({
        importId,
        source: started.data.source,
        domain: started.data.domain,
        fileName: started.data.fileName,
        sha256: started.data.sha256,
        status: completed ? 'completed' : 'started',
        recordedAt: started.recordedAt,
        recordedBy: started.envelope.actor.userId,
        importedAt: completed?.recordedAt ?? null,
        rowsRead: counts?.rowsRead ?? null,
        created: counts?.created ?? null,
        unchanged: counts?.unchanged ?? null,
        changed: counts?.changed ?? null,
        rejectedCount: counts?.rejectedCount ?? null,
        eventsWritten: counts?.eventsWritten ?? null,
      });
    }
    return summaries.sort((a, b) => (a.recordedAt < b.recordedAt ? 1 : a.recordedAt > b.recordedAt ? -1 : 0));
  }

  /** One import: its report (none while it is not completed) and the facts of its stream. */
  async get(principal: Principal, importId: string): Promise<{ status: 'started' | 'completed'; report: ImportReport | null; facts: StoredEvent[] }> {
    const facts = /^[0-9a-f-]{36}$/i.test(importId) ? await this.store.readStream(importStreamName(importId.toLowerCase())) : [];
    const started = facts.find((e) => e.type === IMPORT_STARTED) as StoredEvent<string, ImportStartedData> | undefined;
    // Another domain's import is not found, exactly as an unknown id.
    if (!started || !mayRead(principal, started.data.domain)) throw new NotFound('import', importId);
    const completed = facts.find((e) => e.type === IMPORT_COMPLETED) as StoredEvent<string, ImportCompletedData> | undefined;
    return {
      status: completed ? 'completed' : 'started',
      report: completed ? reportOf(started, completed, { alreadyImported: false, dryRun: false }) : null,
      facts,
    };
  }
}

/** An editor reads its own domain's imports; the SGAR, auditors and admins every domain's. */
const mayRead = (principal: Principal, domain: string): boolean => principal.role !== 'editor' || principal.domain === domain;

function reportOf(
  started: StoredEvent<string, ImportStartedData>,
  completed: StoredEvent<string, ImportCompletedData>,
  how: { alreadyImported: boolean; dryRun: boolean },
): ImportReport {
  const { importId, source, domain, fileName, sha256 } = started.data;
  const c = completed.data;
  return {
    importId,
    source,
    domain,
    fileName,
    sha256,
    dryRun: how.dryRun,
    alreadyImported: how.alreadyImported,
    rowsRead: c.rowsRead,
    created: c.created,
    unchanged: c.unchanged,
    changed: c.changed,
    rejected: c.rejected,
    rejectedCount: c.rejectedCount,
    eventsWritten: c.eventsWritten,
    ...(c.extractedOn ? { extractedOn: c.extractedOn } : {}),
    ...(c.notes ? { notes: c.notes } : {}),
    importedAt: completed.recordedAt,
    importedBy: completed.envelope.actor.userId,
  };
}
