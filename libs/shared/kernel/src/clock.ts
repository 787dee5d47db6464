/**
 * The one source of "now": injected wherever a date is needed, so that tests and replays fix it, and a decider never
 * reads the machine's clock itself.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at one instant (tests, tools that replay a past day). */
export const fixedClock = (instant: string | Date): Clock => {
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) throw new Error(`${String(instant)} is not an instant`);
  return { now: () => new Date(at) };
};

const PARIS_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in Europe/Paris at an instant, as a business date (yyyy-mm-dd). */
export const parisDateOf = (instant: Date): string => PARIS_DAY.format(instant);

/** Today in Europe/Paris: the default business date of every "as of" question. */
export const todayInParis = (clock: Clock = systemClock): string => parisDateOf(clock.now());
