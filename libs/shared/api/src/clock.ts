import { Inject } from '@nestjs/common';
import { type Clock, parseBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { ProblemException } from './problem-details';

/** The process's one clock (systemClock unless a test or a tool provides another). */
export const CLOCK = Symbol('CLOCK');
export const InjectClock = () => Inject(CLOCK);

/** `?asOf=` as a business date (yyyy-mm-dd, dd/mm/yyyy or dd.mm.yyyy); today in Paris when absent. */
export function asOfQuery(value: string | undefined, clock: Clock, field = 'asOf'): string {
  if (value === undefined) return todayInParis(clock);
  const date = parseBusinessDate(value);
  if (!date)
    throw ProblemException.of(400, 'invalid-request', 'Invalid request', `${field} is a date (yyyy-mm-dd or dd/mm/yyyy)`, {
      errors: [{ field, reason: 'is not a date' }],
    });
  return date;
}
