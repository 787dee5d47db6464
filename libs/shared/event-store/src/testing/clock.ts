/**
 * Waits until this machine's clock has passed `instant` (a time the store recorded, to the millisecond), so that what
 * is recorded next is recorded strictly later: a wait on the clock itself, not a guess of how long that takes.
 */
export async function untilClockPasses(instant: string): Promise<void> {
  const target = Date.parse(instant);
  if (Number.isNaN(target)) throw new Error(`"${instant}" is not a time`);
  while (Date.now() <= target) await new Promise((resolve) => setTimeout(resolve, target - Date.now() + 1));
}
