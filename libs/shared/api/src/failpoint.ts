/**
 * A named point in a write where a test may stop the process dead, as a power cut or `kill -9` would: set
 * ERBM_FAILPOINT to its name. Proves that what happens after the point is either completed later or never needed.
 * `ERBM_FAILPOINT=<name>:hang` stops the request there instead and leaves the process running: a request that is
 * still in flight, for as long as the test wants.
 */
export async function failpoint(name: string): Promise<void> {
  const [point, mode] = (process.env.ERBM_FAILPOINT ?? '').split(':');
  if (point !== name) return;
  if (mode !== 'hang') process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered asynchronously: nothing after the point may run meanwhile.
  await new Promise(() => undefined);
}
