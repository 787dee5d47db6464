import { Inject } from '@nestjs/common';
import { type Clock, todayInParis } from '@erbm/shared/kernel';
import { type FieldErrors, businessDateParam } from './validation';

/** The process's one clock (systemClock unless a test or a tool provides another). */
export const CLOCK = Symbol('CLOCK');
export const InjectClock = () => Inject(CLOCK);

/**
 * `?asOf=` as a business date (yyyy-mm-dd, dd/mm/yyyy or dd.mm.yyyy); today in Paris when absent. A malformed one is
 * added to `errors`, which the caller checks before using the date.
 */
export function asOfQuery(value: string | undefined, clock: Clock, errors: FieldErrors, field = 'asOf'): string {
  return value === undefined ? todayInParis(clock) : (businessDateParam(errors, field, value) ?? '');
}
