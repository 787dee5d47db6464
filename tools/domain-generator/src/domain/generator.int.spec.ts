import { readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type RunResult, type WorkspaceCopy, copyWorkspace } from '../testing/workspace-copy';

const NAME = 'essai-generateur';
const TITLE = "Essai « générateur » d'un domaine";
const PROJECTS = [`${NAME}-domain`, `${NAME}-contracts`, `${NAME}-read-models`, `${NAME}-api-lib`, `${NAME}-api`];
const SHARED_FILES = ['docker-compose.yml', 'libs/domains/src/registry.ts', 'tsconfig.base.json'];
/**
 * The whole file takes about a minute on 2 idle cores, several on a machine busy with other work (another test run, say):
 * these bounds only catch a step that hangs, still well before CI gives up.
 */
const GENERATE_MS = 300_000;
const CHECKS_MS = 600_000;

const outcome = (r: RunResult) => ({ status: r.status, output: `${r.stdout}\n${r.stderr}`.trim().slice(-6_000) });

interface JestReport {
  success: boolean;
  testResults: { name: string; status: string; assertionResults: { ancestorTitles: string[]; status: string }[] }[];
}

/**
 * The generator as a developer runs it, in a copy of the workspace: the domain it makes type checks, passes the module
 * boundaries, passes its own tests, and joins the system (the every-domain test proves over HTTP that its operation's
 * commitment reaches the SGAR's totals under its name). The inner Jest uses the same database as this one:
 * DATABASE_URL passes through.
 */
describe(`domain generator, end to end (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded database'})`, () => {
  let copy: WorkspaceCopy;
  let generated: RunResult;
  let changed: string[];
  const timings: string[] = [];
  const run = async (label: string, tool: string, args: string[], env: Record<string, string> = {}) => {
    const result = await copy.run(join(copy.root, 'node_modules', '.bin', tool), args, { env, timeoutMs: CHECKS_MS });
    timings.push(`${label} ${(result.ms / 1000).toFixed(1)} s`);
    return result;
  };

  beforeAll(async () => {
    copy = copyWorkspace();
    timings.push(`copy ${(copy.copyMs / 1000).toFixed(1)} s`);
    generated = await run('generate', 'nx', ['g', '@erbm/domain-generator:domain', NAME, '--title', TITLE]);
    changed = copy.changedFiles();
  }, GENERATE_MS);

  afterAll(() => {
    console.log(`domain generator end to end: ${timings.join(', ')}`);
    copy?.remove();
  });

  it('writes five projects in their own folders and changes three shared files, no other', () => {
    expect(outcome(generated)).toMatchObject({ status: 0 });
    expect(changed.filter((f) => !f.startsWith(`libs/${NAME}/`) && !f.startsWith(`apps/${NAME}-api/`))).toEqual(SHARED_FILES);
    const projects = changed.filter((f) => f.endsWith('/project.json')).map((f) => JSON.parse(readFileSync(join(copy.root, f), 'utf-8')).name);
    expect(projects.sort()).toEqual([...PROJECTS].sort());
  });

  it(
    'refuses the same name a second time, and changes nothing',
    async () => {
      const again = await run('generate again', 'nx', ['g', '@erbm/domain-generator:domain', NAME]);
      expect(again.status).not.toBe(0);
      expect(`${again.stdout}${again.stderr}`).toContain(`Cannot create the domain "${NAME}"`);
      expect(copy.changedFiles()).toEqual(changed);
    },
    GENERATE_MS,
  );

  it(
    'is formatted, type checks, lints with the module boundaries, passes its tests, and reaches the SGAR totals',
    async () => {
      const report = join(copy.root, 'jest-report.json');
      const [format, tsc, lint, jest] = await Promise.all([
        run('format', 'prettier', ['--check', `libs/${NAME}`, `apps/${NAME}-api`, 'libs/domains', 'tsconfig.base.json', 'docker-compose.yml']),
        run('tsc', 'tsc', ['-p', 'tsconfig.json', '--noEmit']),
        run('lint', 'nx', ['run-many', '-t', 'lint', '-p', [...PROJECTS, 'domain-registry'].join(','), '--outputStyle=static']),
        run('jest', 'jest', ['--runInBand', '--json', `--outputFile=${report}`, `libs/${NAME}/`, `apps/${NAME}-api/`, 'apps/erbm/src/every-domain'], {
          NODE_OPTIONS: '--experimental-vm-modules',
        }),
      ]);
      expect(outcome(format)).toMatchObject({ status: 0 });
      expect(outcome(tsc)).toMatchObject({ status: 0 });
      expect(outcome(lint)).toMatchObject({ status: 0 });
      expect(outcome(jest)).toMatchObject({ status: 0 });

      const { success, testResults } = JSON.parse(readFileSync(report, 'utf-8')) as JestReport;
      expect(success).toBe(true);
      const suites = testResults.map((r) => relative(realpathSync(copy.root), r.name)).sort();
      expect(suites).toEqual([
        `apps/erbm/src/every-domain.e2e.spec.ts`,
        `libs/${NAME}/api/src/operations/operations.e2e.spec.ts`,
        `libs/${NAME}/domain/src/operation/operation.spec.ts`,
      ]);
      const system =
        testResults.find((r) => r.name.endsWith('every-domain.e2e.spec.ts'))?.assertionResults.filter((a) => a.ancestorTitles.includes(NAME)) ?? [];
      expect(system.length).toBeGreaterThanOrEqual(3);
      expect(system.every((a) => a.status === 'passed')).toBe(true);
    },
    CHECKS_MS,
  );
});
