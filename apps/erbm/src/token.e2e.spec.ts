import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hs256Verifier } from '@erbm/shared/auth';
import { ROOT } from './testing/erbm-process';

/** `npm run token`'s script, run from `cwd` with no ERBM_DATA_DIR nor ERBM_JWT_SECRET: the zero-setup case. */
function mintFrom(cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.ERBM_DATA_DIR;
  delete env.ERBM_JWT_SECRET;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'tools/run-ts.cjs'), join(ROOT, 'tools/mint-token.ts'), '--role', 'auditor', '--user', 'ccomptes', '--org', 'Cour des comptes'],
      { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('local tokens in the zero-setup mode', () => {
  it("are signed with the checkout's secret wherever the command is run from, so the server started from the checkout takes them", async () => {
    const [fromElsewhere, fromCheckout] = await Promise.all([mintFrom(tmpdir()), mintFrom(ROOT)]);
    expect([fromElsewhere.status, fromCheckout.status]).toEqual([0, 0]);
    // The secret the server reads when it starts from the checkout with no configuration (see localJwtSecret).
    const secret = readFileSync(join(ROOT, '.data', 'erbm', 'jwt-secret'), 'utf8').trim();
    const verifier = new Hs256Verifier({ secret });
    for (const { stdout } of [fromElsewhere, fromCheckout]) {
      await expect(verifier.verify(stdout.trim())).resolves.toMatchObject({ userId: 'ccomptes', role: 'auditor' });
    }
  });
});
