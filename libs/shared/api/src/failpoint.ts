/**
 * A named point in a write where a test may stop the process dead, as a power cut or `kill -9` would: set
 * ERBM_FAILPOINT to its name. Proves that what happens after the point is either completed later or never needed.
 */
export async function failpoint(name: string): Promise<void> {
  if (process.env.ERBM_FAILPOINT !== name) return;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered asynchronously: nothing after the point may run meanwhile.
  await new Promise(() => undefined);
}
