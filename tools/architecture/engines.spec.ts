import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

describe('the Node version the project states', () => {
  it('is one every locked package runs on: npm install warns of no engine', () => {
    const stated: string = read('package.json').engines.node;
    const lowest = semver.minVersion(stated)?.version as string;
    expect(lowest).toBeDefined();
    const packages: Record<string, { engines?: { node?: string }; optional?: boolean; os?: string[] }> = read('package-lock.json').packages;
    const refused = Object.entries(packages)
      .filter(([path, p]) => path !== '' && typeof p.engines?.node === 'string' && !semver.satisfies(lowest, p.engines.node))
      .map(([path, p]) => `${path.replace(/^node_modules\//, '')} wants node ${p.engines?.node}`);
    // Stated ">=20.19": file-type is held at 21 (package.json overrides) since 22 wants Node 22.
    expect(refused).toEqual([]);
  });
});
