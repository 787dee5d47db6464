import type { EventStore, ExpectedRevision } from '@erbm/shared/event-store';

/**
 * One kind of file a domain team imports: `npm run import -- <name> <file> [--dry-run]`, or
 * `POST /<domain>/imports/<name>` (multipart/form-data, the domain's editor role). The machinery (imports.service.ts)
 * hashes the file, records the import as a fact of the trail (stream `import-<importId>`), hands the source a writer
 * whose events all cite the import as their source document, and reports; the source reads the rows, compares them
 * with the log and writes only the differences. Importing the same file again writes nothing.
 */
export interface ImportSource {
  /** Unique across domains, lowercase with dashes (`adultes-relais`): the command's `<source>` and the route's segment. */
  name: string;
  /** What the file is, in French (« Postes adultes-relais (export Ci.Ville / Dauphin, CSV) »). */
  label: string;
  /** The extensions of the files it reads (`.csv`). */
  extensions: readonly string[];
  /** Reads the file, compares it with the log and, unless it is a dry run, writes the differences through `context.writer`. */
  run(file: ImportFile, context: ImportRunContext): Promise<ImportOutcome>;
}

export interface ImportFile {
  fileName: string;
  content: Buffer;
  /** SHA-256 of the content, hex. */
  sha256: string;
}

export interface ImportRunContext {
  /** Id of the import (derived from the source and the file's SHA-256): its stream is `import-<importId>`. */
  importId: string;
  dryRun: boolean;
  /** Reads (streams, for the comparison with the log). */
  store: EventStore;
  /** Writes; in a dry run it writes nothing and counts what it would have written. */
  writer: ImportWriter;
  /** Today in Europe/Paris (yyyy-mm-dd): what the deciders' commands carry. */
  today: string;
  /** Called as rows are handled (the command's progress bar). */
  progress(done: number, total: number): void;
}

export interface ImportWriter {
  /**
   * Appends the events decided for one stream at the revision read (`no_stream` for a new one). The envelope is the
   * import's: its actor, `occurredAt` (the business date of the facts), the reason (`reason`, else « Import de <file> »)
   * and the source document `{ kind: 'import', reference: importId, sha256 }`. Event ids derive from the import, the
   * stream and the revision: an import resumed after a crash appends nothing twice.
   */
  append(stream: string, events: readonly ImportedEvent[], expected: ExpectedRevision, occurredAt: string, reason?: string): Promise<void>;
}

/** An event an import writes; its own business date and reason, when given, win over the append's. */
export interface ImportedEvent {
  type: string;
  data: unknown;
  occurredAt?: string;
  reason?: string;
}

/** What a source found, row by row. */
export interface ImportOutcome {
  rowsRead: number;
  /** Rows that created something new (a post, a year of funding). */
  created: number;
  unchanged: number;
  /** Rows that corrected what the log held (written as corrections whose reason is the import). */
  changed: number;
  rejected: ImportRejection[];
  /** The extraction date the file states, when it states one (yyyy-mm-dd). */
  extractedOn?: string;
  /** What the team should look at next (employers matched by name only, rows outside the perimeter…). */
  notes?: ImportNote[];
}

export interface ImportRejection {
  /** Line number in the file (the header is line 1). */
  row: number;
  field?: string;
  reason: string;
}

export interface ImportNote {
  code: string;
  message: string;
  items?: string[];
}

/** The sources of one domain, as its plugin lists them: Nest providers of its API module (they inject what they read). */
export type ImportSourceProvider = abstract new (...args: never[]) => ImportSource;
