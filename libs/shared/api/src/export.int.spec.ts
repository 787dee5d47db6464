import ExcelJS from 'exceljs';
import type { Response } from 'express';
import { PostgresEventStore, createSeal, migrateEventStore, sealKeeper } from '@erbm/shared/event-store';
import { type TestDatabase, logSettled, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { fixedClock } from '@erbm/shared/kernel';
import { type ExportFormat, type ExportSource, type ExportView, exportFormat, sendExport } from './export';
import { ProblemException } from './problem-details';
import { FieldErrors } from './validation';

/** Records what a handler answers, as Express would send it. */
function recordingResponse() {
  const answer: { status?: number; headers: Record<string, string>; type?: string; json?: Record<string, unknown>; sent?: string | Buffer } = { headers: {} };
  const res = {
    status: (code: number) => ((answer.status = code), res),
    setHeader: (name: string, value: string) => ((answer.headers[name] = value), res),
    type: (type: string) => ((answer.type = type), res),
    json: (body: Record<string, unknown>) => ((answer.json = body), res),
    send: (body: string | Buffer) => ((answer.sent = body), res),
  };
  return { res: res as unknown as Response, answer };
}

describe('one export for every view: JSON, CSV and XLSX headed alike', () => {
  let database: TestDatabase;
  let source: ExportSource;
  let digest: string;
  const view = (format: ExportFormat): ExportView => ({
    format,
    name: 'totaux-consolides',
    asKnownAt: '2024-03-14T09:00:00.000Z',
    position: 'a position',
    body: { total: { paid: 150 } },
    table: () => ({
      columns: [
        { key: 'financer', label: 'financeur' },
        { key: 'paid', label: 'payé (€)', money: true },
      ],
      rows: [
        { financer: 'etat', paid: 100 },
        { financer: 'cd62', paid: 50 },
      ],
    }),
  });
  const header = () => ({
    name: 'totaux-consolides',
    asKnownAt: '2024-03-14T09:00:00.000Z',
    position: 'a position',
    latestSealDigest: expect.stringContaining(digest),
    exportedAt: '2024-03-14T23:30:00.000Z',
  });

  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateEventStore(database.db);
    await new PostgresEventStore(database.db).append('export-test', [testEvent('t', {})], 'no_stream');
    // A seal covers the log as its readers see it: the event above, once settled (see logSettled).
    await logSettled(database.db);
    digest = (await createSeal(database.db, 'admin'))?.digest as string;
    const store = new PostgresEventStore(database.db);
    source = { seals: sealKeeper(store, database.db), clock: fixedClock('2024-03-14T23:30:00Z') };
  });
  afterAll(() => database.drop());

  it('answers JSON by default, the header under `export` before the body', async () => {
    for (const asked of [undefined, 'json']) {
      const { res, answer } = recordingResponse();
      await sendExport(res, source, view(exportFormat(new FieldErrors(), asked)));
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ export: header(), total: { paid: 150 } });
      expect(Object.keys(answer.json?.export as object)).toEqual(Object.keys(header()));
    }
  });

  it('heads a CSV with the same lines, then the table', async () => {
    const { res, answer } = recordingResponse();
    await sendExport(res, source, view('csv'));
    expect(answer.headers['Content-Disposition']).toBe('attachment; filename="totaux-consolides.csv"');
    const lines = String(answer.sent)
      .replace(/^\ufeff/, '')
      .split('\r\n');
    expect(lines.slice(0, 5)).toEqual([
      '# export: totaux-consolides',
      '# connu au: 2024-03-14T09:00:00.000Z',
      '# position dans le journal: a position',
      expect.stringMatching(new RegExp(`^# dernier sceau: ${digest} \\(sceau 1, jusqu'à la position .+\\)$`)),
      '# exporté le: 2024-03-14T23:30:00.000Z',
    ]);
    expect(lines.slice(5)).toEqual(['financeur;payé (€)', 'etat;1,00', 'cd62;0,50', '']);
  });

  it('heads a workbook with the same rows, the table header on row 6', async () => {
    const { res, answer } = recordingResponse();
    await sendExport(res, source, view('xlsx'));
    expect(answer.type).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(answer.sent as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('totaux-consolides') as ExcelJS.Worksheet;
    const cells = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect([1, 2, 3, 5].map(cells)).toEqual([
      ['export', 'totaux-consolides'],
      ['connu au', '2024-03-14T09:00:00.000Z'],
      ['position dans le journal', 'a position'],
      ['exporté le', '2024-03-14T23:30:00.000Z'],
    ]);
    expect(String(cells(4)[1])).toContain(digest);
    expect([6, 7, 8].map(cells)).toEqual([
      ['financeur', 'payé (€)'],
      ['etat', 1],
      ['cd62', 0.5],
    ]);
  });

  it('takes json, csv or xlsx, json when absent; anything else is refused on `format` with the other faults of the request', () => {
    const errors = new FieldErrors();
    expect([undefined, 'json', 'csv', 'xlsx'].map((f) => exportFormat(errors, f))).toEqual(['json', 'json', 'csv', 'xlsx']);
    expect(() => errors.check()).not.toThrow();
    errors.add('limit', 'doit être un nombre entier de 1 à 10 000');
    exportFormat(errors, 'pdf');
    const error = (() => {
      try {
        errors.check();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).problem).toMatchObject({
      status: 400,
      field: 'limit',
      errors: [
        { field: 'limit', reason: 'doit être un nombre entier de 1 à 10 000' },
        { field: 'format', reason: 'vaut json, csv, xlsx' },
      ],
    });
  });
});
