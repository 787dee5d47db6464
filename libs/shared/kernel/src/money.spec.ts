import { formatEuros, parseEuroAmount } from './money';
import { monthsBetween, parseBusinessDate } from './dates';

describe('French amounts', () => {
  it.each([
    ['1 234 567,89', 123456789],
    ['1\u202f234\u00a0567,89 €', 123456789],
    ['1.234.567,89', 123456789],
    ['1,234,567.89', 123456789],
    ['1234567.8', 123456780],
    ['12 000', 1200000],
    ['19875,06', 1987506],
    ['0,5', 50],
    ['-1 000,00', -100000],
  ])('%s is %d cents', (text, cents) => expect(parseEuroAmount(text)).toBe(cents));

  it.each(['', 'abc', '1,2,3', '1.500', '1,234.567', '12,345', '1 2,3', '0,001'])('%s is refused', (text) => expect(parseEuroAmount(text)).toBeUndefined());

  it('formats cents the French way', () => expect(formatEuros(123456789)).toBe('1\u202f234\u202f567,89\u00a0€'));
});

describe('business dates', () => {
  it('reads ISO, French and Chorus dates, and refuses impossible ones', () => {
    expect(parseBusinessDate('2023-01-16')).toBe('2023-01-16');
    expect(parseBusinessDate('16/01/2023')).toBe('2023-01-16');
    expect(parseBusinessDate('16.01.2023')).toBe('2023-01-16');
    expect(parseBusinessDate('29/02/2023')).toBeUndefined();
    expect(parseBusinessDate('2023-13-01')).toBeUndefined();
  });
  it('counts whole months', () => expect(monthsBetween('2020-01-15', '2024-01-14')).toBe(47));
});
