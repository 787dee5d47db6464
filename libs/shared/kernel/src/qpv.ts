/**
 * Codes of the quartiers prioritaires de la politique de la ville (QPV), as the ANCT numbers them:
 * - 2015 geography (décret 2014-1750, in force 2015-01-01 to 2023-12-31 in metropolitan France): `QP` + the
 *   département on three characters + a three-digit order number, e.g. `QP059001`, `QP02A001`;
 * - 2024 geography (décret 2023-1314, in force from 2024-01-01): `QN` + the département on three characters + a
 *   two-digit order number + a letter: N (new quartier), M (a 2015 quartier whose outline changed) or I (unchanged),
 *   e.g. `QN06201M`.
 */
const QPV_2015 = /^QP(?:\d{3}|02[AB])\d{3}$/;
const QPV_2024 = /^QN(?:\d{3}|02[AB])\d{2}[NMI]$/;

/** The first day of the 2024 geography. */
export const QPV_2024_FROM = '2024-01-01';

export type QpvGeneration = '2015' | '2024';

/** The geography a QPV code belongs to, or undefined when it is no QPV code. */
export function qpvGeneration(code: unknown): QpvGeneration | undefined {
  if (typeof code !== 'string') return undefined;
  if (QPV_2015.test(code)) return '2015';
  if (QPV_2024.test(code)) return '2024';
  return undefined;
}

export const isQpvCode = (code: unknown): code is string => qpvGeneration(code) !== undefined;

/** The département a QPV code names ('59', '62', '2A'…): the three characters after the prefix, without a leading zero. */
export function qpvDepartement(code: string): string | undefined {
  if (!isQpvCode(code)) return undefined;
  const d = code.slice(2, 5);
  return d.startsWith('0') ? d.slice(1) : d;
}
