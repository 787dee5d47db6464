import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hs256Verifier } from '@erbm/shared/auth';
import { ROOT, runTool } from './testing/erbm-process';

/** `npm run token`'s script, run from `cwd` with no ERBM_DATA_DIR nor ERBM_JWT_SECRET: the zero-setup case. */
function mintFrom(cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ERBM_DATA_DIR;
  delete env.ERBM_JWT_SECRET;
  return runTool('mint-token.ts', ['--role', 'auditor', '--user', 'ccomptes', '--org', 'Cour des comptes'], env, cwd);
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

describe('tokens of the roles that read a part of the programme', () => {
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ERBM_JWT_SECRET: 'token-e2e-scoped-readers' });
  const verifier = new Hs256Verifier({ secret: 'token-e2e-scoped-readers' });

  it('mints a partner with its party and a sous-préfecture with its arrondissement', async () => {
    const [partner, sousPrefecture] = await Promise.all([
      runTool('mint-token.ts', ['--role', 'partner', '--party', 'region_hdf', '--user', 'rita', '--org', 'Région HdF'], env(), ROOT),
      runTool('mint-token.ts', ['--role', 'sous-prefecture', '--arrondissement', '625', '--user', 'sam', '--org', 'Sous-préfecture de Lens'], env(), ROOT),
    ]);
    expect([partner.status, sousPrefecture.status]).toEqual([0, 0]);
    await expect(verifier.verify(partner.stdout.trim())).resolves.toMatchObject({ role: 'partner', party: 'region_hdf' });
    await expect(verifier.verify(sousPrefecture.stdout.trim())).resolves.toMatchObject({ role: 'sous-prefecture', arrondissement: '625' });
  });

  it('refuses, as a usage error, a partner without --party and a sous-préfecture without --arrondissement', async () => {
    const [partner, sousPrefecture] = await Promise.all([
      runTool('mint-token.ts', ['--role', 'partner', '--user', 'rita', '--org', 'Région HdF'], env(), ROOT),
      runTool('mint-token.ts', ['--role', 'sous-prefecture', '--user', 'sam', '--org', 'Sous-préfecture de Lens'], env(), ROOT),
    ]);
    expect([partner.status, sousPrefecture.status]).toEqual([2, 2]);
    expect(partner.stderr).toContain('--party');
    expect(sousPrefecture.stderr).toContain('--arrondissement');
  });
});
