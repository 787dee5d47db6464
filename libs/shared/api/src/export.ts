import type { Response } from 'express';
import { type SealKeeper } from '@erbm/shared/event-store';
import type { Clock } from '@erbm/shared/kernel';
import { type CsvColumn, toCsv } from './csv';
import { ProblemException } from './problem-details';
import { toXlsx } from './xlsx';

export const EXPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;

/**
 * What heads every export, in this order: in JSON under `export`, as the first lines of a CSV, as the first rows of a
 * workbook. An auditor can tell from it what the rows are, what the system knew then, and which seal vouches for it.
 */
export type ExportHeader = {
  export: string;
  'as known at': string | null;
  'position in the log': string | null;
  'latest seal digest': string | null;
  'exported at': string;
};

export interface ExportSource {
  /** Where the seals are kept. */
  seals: Pick<SealKeeper, 'latestSeal'>;
  clock: Clock;
}

export interface ExportView {
  /** `?format=` as the client sent it: json (the default), csv or xlsx. */
  format: string | undefined;
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
    export: view.name,
    'as known at': view.asKnownAt,
    'position in the log': view.position,
    'latest seal digest': seal ? `${seal.digest} (seal ${seal.sealNumber}, up to ${seal.upToPosition})` : null,
    'exported at': source.clock.now().toISOString(),
  };
}

/** Answers a view in the format asked for, headed with `exportHeader`; an unknown format is a 400 on `format`. */
export async function sendExport(res: Response, source: ExportSource, view: ExportView): Promise<void> {
  if (view.format !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(view.format)) {
    const reason = 'is json, csv or xlsx';
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', `format ${reason}`, { field: 'format', errors: [{ field: 'format', reason }] });
  }
  const header = await exportHeader(source, view);
  if (view.format === undefined || view.format === 'json') {
    res.status(200).json({ export: header, ...view.body });
    return;
  }
  const { columns, rows } = view.table();
  if (view.format === 'csv') {
    res.status(200).setHeader('Content-Disposition', `attachment; filename="${view.name}.csv"`);
    res.type('text/csv; charset=utf-8').send(toCsv(header, columns, rows));
    return;
  }
  res.status(200).setHeader('Content-Disposition', `attachment; filename="${view.name}.xlsx"`);
  res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(header, columns, rows, view.name));
}
