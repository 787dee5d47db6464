import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './testing/erbm-process';

const DIGEST = 'ab'.repeat(32);

/** The maintenance tools, as a person runs them on a folder where nothing was ever recorded. */
describe('maintenance tools say plainly what is wrong', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'erbm-tools-'));
    env = { ...process.env, ERBM_DATA_DIR: dataDir, DATABASE_URL: '' };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('verify on an empty database says there is no log yet, and a digest no seal has is said so, not "altered"', async () => {
    const [plain, withDigest] = [await runTool('verify.ts', [], env), await runTool('verify.ts', ['--digest', DIGEST], env)];
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('No event log in this database');
    expect(plain.stderr).not.toMatch(/relation|SQL/);
    expect(withDigest.status).toBe(1);
    expect(withDigest.stdout).toContain(`NOT OK: no seal of this log has digest ${DIGEST}`);
    expect(withDigest.stdout).not.toContain('the log was altered');
  });

  it('rebuild with a batch size that is no number names that option, and opens nothing', async () => {
    const run = await runTool('rebuild.ts', ['--projection', 'all', '--batch-size', 'abc'], env);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--batch-size is a whole number of events ≥ 1, got "abc"');
    expect(run.stderr).not.toContain('limit');
  });
});
