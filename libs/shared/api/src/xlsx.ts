import ExcelJS from 'exceljs';
import type { CsvColumn } from './csv';

/**
 * The same export as the CSV, as an XLSX workbook: the header lines first (what, as of when, position in the log,
 * latest seal, when exported), in italics, then the table under its bold header row. Money stays exact: euros as
 * numbers with two decimals, computed from integer cents.
 */
export async function toXlsx(
  meta: Record<string, string | null>,
  columns: CsvColumn[],
  rows: Record<string, unknown>[],
  sheetName = 'export',
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ERBM ledger';
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  for (const [key, value] of Object.entries(meta)) sheet.addRow([key, value ?? '']).font = { italic: true };
  const header = sheet.addRow(columns.map((c) => c.label));
  header.font = { bold: true };
  for (const row of rows) sheet.addRow(columns.map((c) => (c.money ? Number(row[c.key] ?? 0) / 100 : ((row[c.key] ?? null) as ExcelJS.CellValue))));
  columns.forEach((c, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = Math.min(60, Math.max(12, c.label.length + 2));
    if (c.money) column.numFmt = '#,##0.00';
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
