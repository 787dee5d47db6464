/**
 * Runs the domain generator end to end in a temporary copy of the workspace and prints how long each step takes:
 *   node tools/run-ts.cjs tools/domain-generator/src/testing/measure.ts [name] [--keep]
 * Steps: copy; generate; the files it changed; generate again (must refuse, change nothing); type check (whole
 * workspace); lint of the new projects; Jest on the new folders.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_FILE } from '../domain/registry';
import { copyWorkspace, WORKSPACE_ROOT, type RunResult } from './workspace-copy';

/** Until libs/domains/src/registry.ts exists: a stand-in of the same shape that type checks against today's code. */
const REGISTRY_STAND_IN = `import { HabitatApiModule } from '@erbm/habitat/api';

/** Stand-in (measure.ts): same shape as the real registry, which does not exist yet. */
export const DOMAINS: readonly unknown[] = [HabitatApiModule];
`;

const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('--')) ?? 'emploi';
const keep = args.includes('--keep');
const projects = [`${name}-domain`, `${name}-contracts`, `${name}-read-models`, `${name}-api-lib`, `${name}-api`];
const allowed = (f: string) => f.startsWith(`libs/${name}/`) || f.startsWith(`apps/${name}-api/`) || ['tsconfig.base.json', REGISTRY_FILE, 'docker-compose.yml', 'package.json'].includes(f);

const timings: [string, number][] = [];
let failed = false;
function step(label: string, result: RunResult, expectSuccess = true): RunResult {
  timings.push([label, result.ms]);
  const ok = (result.status === 0) === expectSuccess;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${(result.ms / 1000).toFixed(1)} s (exit ${result.status})`);
  if (!ok) {
    failed = true;
    console.log(result.stdout.slice(-4000), result.stderr.slice(-4000));
  }
  return result;
}

const registryExists = existsSync(join(WORKSPACE_ROOT, REGISTRY_FILE));
const copy = copyWorkspace({ files: registryExists ? {} : { [REGISTRY_FILE]: REGISTRY_STAND_IN } });
timings.push(['copy (+ git baseline)', copy.copyMs]);
console.log(`copy: ${copy.files} files in ${copy.root}, ${(copy.copyMs / 1000).toFixed(1)} s${registryExists ? '' : ` (with a stand-in ${REGISTRY_FILE})`}`);
try {
  const generated = step('generate', copy.run('npx', ['nx', 'g', '@erbm/domain-generator:domain', name, '--title', `Titre « ${name} » d'essai`]));
  console.log(generated.stdout);
  const changed = copy.changedFiles();
  console.log(`changed files:\n  ${changed.join('\n  ')}`);
  const outside = changed.filter((f) => !allowed(f));
  if (outside.length) {
    failed = true;
    console.log(`FAIL files changed outside the domain and the four shared files: ${outside.join(', ')}`);
  }
  const again = step('generate again (refused)', copy.run('npx', ['nx', 'g', '@erbm/domain-generator:domain', name]), false);
  console.log(`${again.stdout}${again.stderr}`.trim().split('\n').slice(0, 14).join('\n'));
  if (copy.changedFiles().join() !== changed.join()) {
    failed = true;
    console.log('FAIL the refused run changed files');
  }
  step('tsc -p tsconfig.json --noEmit', copy.run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']));
  step(`lint ${projects.length} projects`, copy.run('npx', ['nx', 'run-many', '-t', 'lint', '-p', projects.join(','), '--outputStyle=static']));
  const jest = step(
    'jest (new folders)',
    copy.run('npx', ['jest', '--runInBand', `libs/${name}/`, `apps/${name}-api/`], { env: { NODE_OPTIONS: '--experimental-vm-modules' } }),
  );
  console.log(jest.stderr.trim().split('\n').slice(-6).join('\n'));
} finally {
  if (keep) console.log(`kept ${copy.root}`);
  else copy.remove();
}
const total = timings.reduce((s, [, ms]) => s + ms, 0);
console.log(`\n${timings.map(([l, ms]) => `${l.padEnd(32)} ${(ms / 1000).toFixed(1).padStart(6)} s`).join('\n')}\n${'total'.padEnd(32)} ${(total / 1000).toFixed(1).padStart(6)} s`);
process.exit(failed ? 1 : 0);
