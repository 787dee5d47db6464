import { LA_POSTE_SIREN, isRna, isSiren, isSiret, luhnValid, normaliseIdentifier } from './identifiers';

/** SIRETs of the adultes-relais file (BOP 147, Nord and Pas-de-Calais, 2020-2023), as Chorus gives them. */
const REAL_SIRETS = [
  ['13000155500031', 'GIP REUSSIR EN SAMBRE AVESNOIS'],
  ['13002374000439', 'CENTRE DE METIERS ET DE L ARTISANAT HAUT DE FRANCE'],
  ['18620944100010', "CONSEIL DEPARTEMENTAL DE L'ACCES AU DROIT"],
  ['20001739000010', 'CCAS D HELEMMES'],
  ['20002715900017', 'COMMUNE DE DUNKERQUE'],
  ['20003357900018', 'COMMUNAUTE URBAINE D ARRAS'],
  ['33273739400434', 'IFAC'],
  ['39231384700015', 'ASSOC CTRE SOCIALE ECLATE'],
  ['49236532500066', 'PIMMS MEDIATION ARTOIS GOHELLE - NPU'],
] as const;

describe('SIRET', () => {
  it.each(REAL_SIRETS)('%s (%s) of the adultes-relais file is valid, and its SIREN too', (siret) => {
    expect(isSiret(siret)).toBe(true);
    expect(isSiren(siret.slice(0, 9))).toBe(true);
  });

  it.each([
    ['13000155500032', 'last digit changed'],
    ['13000155500013', 'two digits swapped'],
    ['1300015550003', '13 digits'],
    ['130001555000311', '15 digits'],
    ['13000155500O31', 'a letter O for a zero'],
    ['', 'empty'],
    // Luhn holds over the 14 digits, not over the SIREN: INSEE refuses it.
    ['00000000100008', 'the establishment number carries the check the SIREN lacks'],
  ])('%s is refused (%s)', (siret) => expect(isSiret(siret)).toBe(false));

  it("accepts La Poste's SIRETs by the sum of their digits, those that Luhn accepts too, and no other company's by that sum", () => {
    expect(isSiren(LA_POSTE_SIREN)).toBe(true);
    // 3+5+6+9+0+7+5 = 35: a multiple of 5, not a Luhn number.
    expect(luhnValid('35600000009075')).toBe(false);
    expect(isSiret('35600000009075')).toBe(true);
    expect(isSiret('35600000000048')).toBe(true);
    expect(isSiret('35600000009076')).toBe(false);
    // Digits summing to a multiple of 5 under another SIREN: Luhn alone decides.
    expect([...'13000155500041'].reduce((s, c) => s + Number(c), 0) % 5).toBe(0);
    expect(isSiret('13000155500041')).toBe(false);
  });
});

describe('SIREN', () => {
  it.each(['130001555', '200027159', '392313847', LA_POSTE_SIREN])('%s is valid', (siren) => expect(isSiren(siren)).toBe(true));
  it.each(['130001556', '13000155', '1300015555', 'W59500123', '20002715A'])('%s is refused', (siren) => expect(isSiren(siren)).toBe(false));
});

describe('RNA', () => {
  it.each(['W595012345', 'W622000987', 'W2A1002345', 'W2B2001234'])('%s is an RNA number', (rna) => expect(isRna(rna)).toBe(true));
  it.each([
    ['W59501234', 'W and 8 digits'],
    ['W5950123456', 'W and 10 digits'],
    ['595012345', 'no W'],
    ['w595012345', 'lower-case w (normalise first)'],
    ['W2C1002345', 'no département 2C'],
    ['W2A10023456', 'Corsican layout, 11 characters'],
    ['W59501234A', 'a letter at the end'],
  ])('%s is refused (%s)', (rna) => expect(isRna(rna)).toBe(false));
});

describe('identifiers as typed', () => {
  it('drops spaces, dots and dashes and upper-cases the W', () => {
    expect(normaliseIdentifier('130 001 555 00031')).toBe('13000155500031');
    expect(normaliseIdentifier('w595-012.345')).toBe('W595012345');
    expect(isSiret(normaliseIdentifier('200\u00a0027\u00a0159 00017'))).toBe(true);
  });
});
