import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The HS256 secret of a zero-setup install: ERBM_JWT_SECRET when set, else the one kept in
 * `<ERBM_DATA_DIR or .data/erbm>/jwt-secret`, generated on first use so that the app and the mint-token tool agree
 * without anybody configuring anything.
 */
export function localJwtSecret(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ERBM_JWT_SECRET) return env.ERBM_JWT_SECRET;
  const dir = env.ERBM_DATA_DIR || '.data/erbm';
  const file = join(dir, 'jwt-secret');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': when the app and the tool start together, only one of them creates the secret and both read it.
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret === '') throw new Error(`${file} is empty: delete it to have a new secret generated`);
  return secret;
}
