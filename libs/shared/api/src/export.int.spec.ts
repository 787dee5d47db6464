import ExcelJS from 'exceljs';
import type { Response } from 'express';
import { PostgresEventStore, createSeal, migrateEventStore, sealKeeper } from '@erbm/shared/event-store';
import { type TestDatabase, logSettled, openTestDatabase, testEvent } from '@erbm/shared/event-store/testing';
import { fixedClock } from '@erbm/shared/kernel';
import { type ExportSource, type ExportView, sendExport } from './export';
import { ProblemException } from './problem-details';

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
  const view = (format: string | undefined): ExportView => ({
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
    export: 'totaux-consolides',
    'as known at': '2024-03-14T09:00:00.000Z',
    'position in the log': 'a position',
    'latest seal digest': expect.stringContaining(digest),
    'exported at': '2024-03-14T23:30:00.000Z',
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
    for (const format of [undefined, 'json']) {
      const { res, answer } = recordingResponse();
      await sendExport(res, source, view(format));
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
      '# as known at: 2024-03-14T09:00:00.000Z',
      '# position in the log: a position',
      expect.stringMatching(new RegExp(`^# latest seal digest: ${digest} \\(seal 1, up to .+\\)$`)),
      '# exported at: 2024-03-14T23:30:00.000Z',
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
      ['as known at', '2024-03-14T09:00:00.000Z'],
      ['position in the log', 'a position'],
      ['exported at', '2024-03-14T23:30:00.000Z'],
    ]);
    expect(String(cells(4)[1])).toContain(digest);
    expect([6, 7, 8].map(cells)).toEqual([
      ['financeur', 'payé (€)'],
      ['etat', 1],
      ['cd62', 0.5],
    ]);
  });

  it('refuses an unknown format with a 400 on `format`, answering nothing', async () => {
    const { res, answer } = recordingResponse();
    const error = await sendExport(res, source, view('pdf')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).problem).toMatchObject({ status: 400, field: 'format', errors: [{ field: 'format', reason: 'is json, csv or xlsx' }] });
    expect(answer).toEqual({ headers: {} });
  });
});
