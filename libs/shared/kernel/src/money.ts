/** Money is an integer number of euro cents. The ceiling keeps every sum an exact JavaScript integer. */
export const MAX_AMOUNT_CENTS = 10_000_000_000_000; // 100 bn€

export function isAmountCents(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_AMOUNT_CENTS;
}

/**
 * Parses an amount in euros as French and international documents write it: "1 234 567,89", "1234567.89",
 * "1.234.567,89 €", "12 000". Returns cents, or undefined when the text is not an amount or has more than two decimals.
 */
export function parseEuroAmount(text: string): number | undefined {
  const bare = text.trim().replace(/\s*(€|EUR|euros?)$/i, '');
  // Spaces (and the Swiss apostrophe) only ever group thousands.
  if (/[\s\u00a0\u202f']/.test(bare) && !isGrouped(bare.replace(/^-/, '').split(/[.,](?=\d{1,2}$)/)[0], /[\s\u00a0\u202f']/)) return undefined;
  let s = bare.replace(/[\s\u00a0\u202f']/g, '');
  if (!/^-?[\d.,]+$/.test(s)) return undefined;
  const negative = s.startsWith('-');
  if (negative) s = s.slice(1);
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  let integerPart: string;
  let decimals = '';
  if (lastComma >= 0 && lastDot >= 0) {
    // Both present: the last one is the decimal separator, the other groups thousands.
    const decimalAt = Math.max(lastComma, lastDot);
    const groupSep = decimalAt === lastComma ? '.' : ',';
    integerPart = s.slice(0, decimalAt);
    decimals = s.slice(decimalAt + 1);
    if (!isGrouped(integerPart, groupSep)) return undefined;
    integerPart = integerPart.split(groupSep).join('');
  } else if (lastComma >= 0 || lastDot >= 0) {
    const sep = lastComma >= 0 ? ',' : '.';
    const parts = s.split(sep);
    if (parts.length > 2) {
      if (!isGrouped(s, sep)) return undefined;
      integerPart = parts.join('');
    } else if (sep === '.' && parts[1].length === 3 && parts[0].length <= 3 && parts[0] !== '0') {
      // "1.500" is ambiguous; French extracts never write thousands with a lone dot and no decimals, but
      // a Chorus-like export can. Refuse rather than guess a factor of 1,000.
      return undefined;
    } else {
      integerPart = parts[0];
      decimals = parts[1];
    }
  } else {
    integerPart = s;
  }
  if (!/^\d+$/.test(integerPart) || !/^\d{0,2}$/.test(decimals)) return undefined;
  const cents = Number(integerPart) * 100 + Number(decimals.padEnd(2, '0') || '0');
  if (!Number.isSafeInteger(cents)) return undefined;
  return negative ? -cents : cents;
}

function isGrouped(text: string, sep: string | RegExp): boolean {
  const groups = text.split(sep);
  return /^\d{1,3}$/.test(groups[0]) && groups.slice(1).every((g) => /^\d{3}$/.test(g));
}

/** 123456789 → "1 234 567,89 €" (narrow no-break spaces, as French typography writes it). */
export function formatEuros(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const euros = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return `${sign}${euros},${String(abs % 100).padStart(2, '0')}\u00a0€`;
}
