/**
 * The identifiers of a beneficiary (tiers): SIREN and SIRET from INSEE's Sirene register, RNA from the Ministry of the
 * Interior's register of associations. Checks only the form and the check digits; whether the number is attributed is
 * for the registers to say.
 *
 * INSEE's rules (as its validinsee package states them): a SIREN is 9 digits whose Luhn sum is a multiple of 10; a SIRET
 * is 14 digits whose Luhn sum is a multiple of 10 and whose first 9 digits are a valid SIREN; La Poste (SIREN 356000000)
 * has more establishments than the check digit allows, and a SIRET of La Poste that fails Luhn is valid when the sum of
 * its 14 digits is a multiple of 5.
 */

export const LA_POSTE_SIREN = '356000000';

/** Luhn: from the right, every second digit doubled (less 9 above 9); the sum is a multiple of 10. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const digitSum = (digits: string) => [...digits].reduce((s, c) => s + (c.charCodeAt(0) - 48), 0);

export function isSiren(value: string): boolean {
  return /^\d{9}$/.test(value) && luhnValid(value);
}

export function isSiret(value: string): boolean {
  if (!/^\d{14}$/.test(value)) return false;
  if (luhnValid(value) && isSiren(value.slice(0, 9))) return true;
  return value.startsWith(LA_POSTE_SIREN) && digitSum(value) % 5 === 0;
}

/**
 * An RNA number: `W` and 9 characters, 10 in all. Nearly always 9 digits; the first three name the préfecture that
 * registered it, and Corsica's (2A, 2B) keep their letter there (`W2A` + 7 digits).
 */
export function isRna(value: string): boolean {
  return /^W\d{9}$/.test(value) || /^W2[AB]\d{7}$/.test(value);
}

/** The identifier as people type it: spaces, dots and dashes dropped, an RNA's `w` upper-cased. */
export function normaliseIdentifier(value: string): string {
  return value.replace(/[\s.\-\u00a0]/g, '').toUpperCase();
}
