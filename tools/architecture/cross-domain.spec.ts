import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Boundaries, REFERENCE_DOMAIN, buildProjectGraph, onlyTags, root } from './boundaries';

/** The domain the fixtures import from: any registered domain does. */
const D = REFERENCE_DOMAIN;

/**
 * A domain reaches another domain only through its contracts. One domain exists today, so this file puts a second one
 * on disk (libs/<name>/{contracts,domain,api}, project.json files only) for its own run. It is a file of its own because
 * ESLint evaluates eslint.config.mjs, which finds the domains by listing libs/, once per module registry: the domain must
 * exist before the first lint of the file.
 */
const PREFIX = 'archtest-tmp-';
const name = `${PREFIX}${process.pid}`;
const scope = `scope:${name}`;
const domainRoot = join(root, 'libs', name);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A run killed before its afterAll leaves its domain behind, and every lint would count it: remove those of dead runs. */
function removeLeftovers(): void {
  for (const folder of readdirSync(join(root, 'libs'))) {
    const pid = folder.startsWith(PREFIX) ? Number(folder.slice(PREFIX.length)) : NaN;
    if (Number.isInteger(pid) && (pid === process.pid || !alive(pid))) rmSync(join(root, 'libs', folder), { recursive: true, force: true });
  }
}

function writeProject(lib: string, type: string): void {
  mkdirSync(join(domainRoot, lib), { recursive: true });
  const project = { name: `${name}-${lib}`, sourceRoot: `libs/${name}/${lib}/src`, projectType: 'library', tags: [scope, `type:${type}`] };
  writeFileSync(join(domainRoot, lib, 'project.json'), `${JSON.stringify(project, null, 2)}\n`);
}

let boundaries: Boundaries;

beforeAll(async () => {
  removeLeftovers();
  writeProject('contracts', 'contracts');
  writeProject('domain', 'domain');
  writeProject('api', 'api');
  await buildProjectGraph();
  boundaries = new Boundaries();
}, 120_000);

// Runs when beforeAll or a test failed too. Rebuilding the graph keeps Nx's cache (read by editors' ESLint) clean.
afterAll(async () => {
  rmSync(domainRoot, { recursive: true, force: true });
  await buildProjectGraph();
}, 120_000);

describe('cross-domain imports (a second, temporary domain)', () => {
  const at = (lib: string) => `libs/${name}/${lib}/src`;

  it('is found by eslint.config.mjs, which gives it the domain constraint and opens the registry to it', async () => {
    const constraints = await boundaries.depConstraints();
    expect(constraints.find((c) => c.sourceTag === scope)?.onlyDependOnLibsWithTags).toEqual([scope, 'scope:ledger', 'scope:shared', 'type:contracts']);
    expect(constraints.find((c) => c.sourceTag === 'scope:registry')?.onlyDependOnLibsWithTags).toContain(scope);
  });

  it.each([
    { why: "another domain's model", lib: 'domain', imp: `@erbm/${D}/domain` },
    { why: "another domain's api", lib: 'api', imp: `@erbm/${D}/api` },
    { why: "another domain's read models", lib: 'api', imp: `@erbm/${D}/read-models` },
    { why: "another domain's model, from its api", lib: 'api', imp: `@erbm/${D}/domain` },
  ])('refuses $why ($imp in the $lib lib)', async ({ lib, imp }) => {
    expect(await boundaries.check(at(lib), imp)).toEqual([expect.stringMatching(onlyTags(scope))]);
  });

  // The registry imports every other domain's api, so from those this import is a cycle; from a new domain it is not.
  it('refuses the registry (type direction)', async () => {
    expect(await boundaries.check(at('api'), '@erbm/domains')).toEqual([expect.stringMatching(onlyTags('type:api'))]);
  });

  it.each([
    { why: "another domain's contracts", lib: 'domain', imp: `@erbm/${D}/contracts` },
    { why: "another domain's contracts, from its contracts", lib: 'contracts', imp: `@erbm/${D}/contracts` },
    { why: "another domain's contracts, from its api", lib: 'api', imp: `@erbm/${D}/contracts` },
    { why: "the ledger's api", lib: 'api', imp: '@erbm/ledger/api' },
    { why: 'the kernel', lib: 'domain', imp: '@erbm/shared/kernel' },
  ])('accepts $why ($imp in the $lib lib)', async ({ lib, imp }) => {
    expect(await boundaries.check(at(lib), imp)).toEqual([]);
  });

  it('gives every domain the same constraint: itself, the ledger, the shared code, and contracts', async () => {
    const fixed = ['scope:shared', 'scope:ledger', 'scope:sgar', 'scope:registry', 'scope:app', 'scope:tools'];
    const domains = (await boundaries.depConstraints()).filter((c) => c.sourceTag.startsWith('scope:') && !fixed.includes(c.sourceTag));
    expect(domains.map((c) => c.sourceTag)).toEqual(expect.arrayContaining([`scope:${D}`, scope]));
    for (const { sourceTag, onlyDependOnLibsWithTags } of domains) {
      expect({ sourceTag, onlyDependOnLibsWithTags }).toEqual({
        sourceTag,
        onlyDependOnLibsWithTags: [sourceTag, 'scope:ledger', 'scope:shared', 'type:contracts'],
      });
    }
  });
});
