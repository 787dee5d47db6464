import { fixedClock, parisDateOf, todayInParis } from './clock';

describe('clock', () => {
  it('gives the calendar day in Paris, not in UTC', () => {
    // 23:30 UTC on 31 December is already New Year's Day in Paris (UTC+1 in winter).
    expect(todayInParis(fixedClock('2023-12-31T23:30:00Z'))).toBe('2024-01-01');
    // 22:30 UTC on 30 June is 00:30 on 1 July in Paris (UTC+2 in summer).
    expect(parisDateOf(new Date('2024-06-30T22:30:00Z'))).toBe('2024-07-01');
    expect(parisDateOf(new Date('2024-06-30T21:30:00Z'))).toBe('2024-06-30');
  });
  it('refuses an instant that is not one', () => {
    expect(() => fixedClock('not a date')).toThrow(/not an instant/);
  });
});
