export interface CsvColumn {
  key: string;
  label: string;
  /** Integer cents, written in euros with a decimal comma ("1234,56"): exact, and what French spreadsheets read. */
  money?: boolean;
}

const cell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[;"\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const euros = (cents: number): string => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)},${String(Math.abs(cents) % 100).padStart(2, '0')}`;

/**
 * A CSV for French spreadsheets: UTF-8 with a byte-order mark, `;` between fields, decimal commas. Lines starting with
 * `#` before the header say what the export is and how fresh.
 */
export function toCsv(meta: Record<string, string | null>, columns: CsvColumn[], rows: Record<string, unknown>[]): string {
  const lines = [
    ...Object.entries(meta).map(([k, v]) => `# ${k}: ${v ?? ''}`),
    columns.map((c) => cell(c.label)).join(';'),
    ...rows.map((r) => columns.map((c) => (c.money ? euros(Number(r[c.key] ?? 0)) : cell(r[c.key]))).join(';')),
  ];
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
