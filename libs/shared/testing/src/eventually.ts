/**
 * Polls `check` until it stops throwing or the deadline passes; then rethrows its last error. The deadline only ends a
 * wait that would never succeed: generous by default, for a machine busy with other work.
 */
export async function eventually<T>(check: () => Promise<T> | T, { timeoutMs = 120_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
