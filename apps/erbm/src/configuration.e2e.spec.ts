import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, spawnErbm } from './testing/erbm-process';

/** One line, in French, naming the variable; no stack trace. */
function expectRefusal(stderr: string, line: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/**
 * A process started on an event store nobody chose refuses to start: `npm start` and every tool that opens the stores,
 * before they open anything (the data folder stays empty).
 */
describe('an environment that names no usable event store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'erbm-config-'));
  const base = { ...process.env, DATABASE_URL: '', ERBM_DATA_DIR: dataDir, EVENTSTORE_CONNECTION_STRING: '' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('npm start with ERBM_EVENT_STORE=eventstoredb and no connection string: exit 1, one line naming EVENTSTORE_CONNECTION_STRING', async () => {
    const server = await spawnErbm({ ...base, ERBM_EVENT_STORE: 'eventstoredb' });
    expect(await server.exited).toBe(1);
    expectRefusal(server.stderr(), /^ERBM_EVENT_STORE=eventstoredb demande EVENTSTORE_CONNECTION_STRING, qui n'est pas définie/);
    expect(readdirSync(dataDir)).toEqual([]);
  }, 120_000);

  it('the tools, on an unknown ERBM_EVENT_STORE or a malformed connection string: each refuses on one line', async () => {
    const unknown = { ...base, ERBM_EVENT_STORE: 'eventstore' };
    const malformed = { ...base, ERBM_EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'http://eventstore:2113' };
    const [seal, verify, rebuild] = await Promise.all([
      runTool('seal.ts', [], unknown),
      runTool('verify.ts', [], malformed),
      runTool('rebuild.ts', ['--projection', 'all'], { ...base, ERBM_EVENT_STORE: 'eventstoredb' }),
    ]);
    expect([seal.status, verify.status, rebuild.status]).toEqual([1, 2, 1]);
    expectRefusal(seal.stderr, /^ERBM_EVENT_STORE vaut « eventstore », qui n'est pas un magasin d'événements connu/);
    expectRefusal(verify.stderr, /^EVENTSTORE_CONNECTION_STRING n'est pas une chaîne de connexion qu'EventStoreDB accepte \(caractère 1 : attendu esdb:\/\//);
    expectRefusal(rebuild.stderr, /^ERBM_EVENT_STORE=eventstoredb demande EVENTSTORE_CONNECTION_STRING/);
    expect(readdirSync(dataDir)).toEqual([]);
  }, 120_000);
});
