import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJwtSecret } from './index';

describe('localJwtSecret', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'erbm-auth-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a random secret once, private to its owner, in a folder it creates, then reuses it', () => {
    const dataDir = join(root, 'nested', 'data');
    const secret = localJwtSecret({ ERBM_DATA_DIR: dataDir });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);

    const file = join(dataDir, 'jwt-secret');
    expect(readFileSync(file, 'utf8')).toBe(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(localJwtSecret({ ERBM_DATA_DIR: dataDir })).toBe(secret);
    expect(localJwtSecret({ ERBM_DATA_DIR: join(root, 'elsewhere') })).not.toBe(secret);
  });

  it('prefers ERBM_JWT_SECRET and then writes no file', () => {
    expect(localJwtSecret({ ERBM_JWT_SECRET: 'from-env', ERBM_DATA_DIR: root })).toBe('from-env');
    expect(() => statSync(join(root, 'jwt-secret'))).toThrow(/ENOENT/);
  });

  it('refuses an empty secret file rather than signing with an empty key', () => {
    writeFileSync(join(root, 'jwt-secret'), '\n');
    expect(() => localJwtSecret({ ERBM_DATA_DIR: root })).toThrow(/empty/);
  });
});
