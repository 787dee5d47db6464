import type { Response } from 'express';
import { type SealKeeper } from '@erbm/shared/event-store';
import type { Clock } from '@erbm/shared/kernel';
import { type CsvColumn, toCsv } from './csv';
import { FIELD_NAMES } from './field-names';
import { toXlsx } from './xlsx';
import type { FieldErrors } from './validation';

export const EXPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `?format=`: json when absent; anything but json, csv or xlsx is added to `errors`. */
export function exportFormat(errors: FieldErrors, value: string | undefined): ExportFormat {
  if (value === undefined) return 'json';
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  errors.add('format', `vaut ${EXPORT_FORMATS.join(', ')}`);
  return 'json';
}

/**
 * What heads every export, in this order: in JSON under `export`, as the first lines of a CSV, as the first rows of a
 * workbook. An auditor can tell from it what the rows are, what the system knew then, and which seal vouches for it.
 */
export type ExportHeader = {
  name: string;
  asKnownAt: string | null;
  position: string | null;
  latestSealDigest: string | null;
  exportedAt: string;
};

/** The header as the first lines of a file, each under the French label of its field. */
const headerLines = (header: ExportHeader): Record<string, string | null> => ({
  [FIELD_NAMES.export.label]: header.name,
  [FIELD_NAMES.asKnownAt.label]: header.asKnownAt,
  [FIELD_NAMES.position.label]: header.position,
  [FIELD_NAMES.latestSealDigest.label]: header.latestSealDigest,
  [FIELD_NAMES.exportedAt.label]: header.exportedAt,
});

export interface ExportSource {
  /** Where the seals are kept. */
  seals: Pick<SealKeeper, 'latestSeal'>;
  clock: Clock;
}

export interface ExportView {
  /** What `exportFormat` made of `?format=`. */
  format: ExportFormat;
  /** Names the export, its file and its sheet. */
  name: string;
  /** The time the rows reflect: a past time asked for, or how recent the read model is. */
  asKnownAt: string | null;
  /** Where in the log the rows stand; null when the view is as known at a time and no position was asked for. */
  position: string | null;
  /** The JSON answer, besides the header. */
  body: Record<string, unknown>;
  /** The rows of the files; they re-add to the totals the JSON answer shows. */
  table: () => { columns: CsvColumn[]; rows: Record<string, unknown>[] };
}

export async function exportHeader(source: ExportSource, view: Pick<ExportView, 'name' | 'asKnownAt' | 'position'>): Promise<ExportHeader> {
  // A log not sealed yet, or seals out of reach, have no digest to show: the export says so rather than fail.
  const seal = await source.seals.latestSeal().catch(() => null);
  return {
    name: view.name,
    asKnownAt: view.asKnownAt,
    position: view.position,
    latestSealDigest: seal ? `${seal.digest} (sceau ${seal.sealNumber}, jusqu'à la position ${seal.upToPosition})` : null,
    exportedAt: source.clock.now().toISOString(),
  };
}

/** Answers a view in the format asked for, headed with `exportHeader`. */
export async function sendExport(res: Response, source: ExportSource, view: ExportView): Promise<void> {
  const header = await exportHeader(source, view);
  if (view.format === 'json') {
    res.status(200).json({ export: header, ...view.body });
    return;
  }
  const { columns, rows } = view.table();
  if (view.format === 'csv') {
    res.status(200).setHeader('Content-Disposition', `attachment; filename="${view.name}.csv"`);
    res.type('text/csv; charset=utf-8').send(toCsv(headerLines(header), columns, rows));
    return;
  }
  res.status(200).setHeader('Content-Disposition', `attachment; filename="${view.name}.xlsx"`);
  res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(headerLines(header), columns, rows, view.name));
}
