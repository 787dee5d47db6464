/**
 * Business dates are calendar days (Europe/Paris), kept as ISO "yyyy-mm-dd". French documents write "dd/mm/yyyy"
 * and Chorus extracts "dd.mm.yyyy": both are accepted.
 */
export function parseBusinessDate(text: string): string | undefined {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s);
    if (!m) return undefined;
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  if (y < 1900 || y > 2200) return undefined;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function isBusinessDate(value: unknown): value is string {
  return typeof value === 'string' && parseBusinessDate(value) === value;
}

export function fiscalYearOf(businessDate: string): number {
  return Number(businessDate.slice(0, 4));
}

/** "2024-03-14" → "14/03/2024", as French documents write a date for people. */
export function formatBusinessDate(businessDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(businessDate);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : businessDate;
}

/** Whole months between two business dates, counted as a project's duration is (start month to end month). */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}
