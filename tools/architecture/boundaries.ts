import { createProjectGraphAsync, type ProjectGraph } from '@nx/devkit';
import { resetWorkspaceContext } from '@nx/devkit/internal';
import { ESLint } from 'eslint';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

const RULE = '@nx/enforce-module-boundaries';

export interface DepConstraint {
  sourceTag: string;
  onlyDependOnLibsWithTags?: string[];
  bannedExternalImports?: string[];
}

/**
 * Builds Nx's project graph: the rule reads it from Nx's cache, which lint may not have written yet, or written before a
 * project appeared. Then makes the rule forget the graph it keeps on globalThis once read (it keeps it for the whole run
 * when `isTerminalRun()`, true under Jest), so that it reads the graph just built.
 */
export async function buildProjectGraph(): Promise<ProjectGraph> {
  // Without the daemon, Nx lists the workspace's files once per process and is told of changes by the daemon alone:
  // forget the list so that a project written or removed since is seen.
  resetWorkspaceContext();
  // Isolated plugins run in worker processes that cost seconds to start on each build; in a test, in-process is enough.
  process.env.NX_ISOLATE_PLUGINS ??= 'false';
  const graph = await createProjectGraphAsync({ exitOnError: false });
  const cache = globalThis as Record<string, unknown>;
  for (const key of ['projectGraph', 'projectRootMappings', 'projectFileMap', 'targetProjectLocator']) delete cache[key];
  return graph;
}

/**
 * Lints imports as if written in a file of the project whose rules apply. ESLint evaluates eslint.config.mjs once per
 * modification time of the file and per module registry (per Jest test file), so the domains the config lists are those
 * of libs/ at the first lint of the test file: change libs/ before that.
 */
export class Boundaries {
  private readonly eslint = new ESLint({ cwd: root });

  /** The rule's messages for `import * as target from '<imp>'` in a file of folder `dir` (the file need not exist). */
  check(dir: string, imp: string): Promise<string[]> {
    return this.checkCode(dir, `import * as target from '${imp}';\nexport const fixture = target;\n`);
  }

  async checkCode(dir: string, code: string, file = '__boundary_fixture__.ts'): Promise<string[]> {
    const [result] = await this.eslint.lintText(code, { filePath: join(root, dir, file) });
    // A parse error would leave the rule silent and every import "allowed".
    const fatal = result.messages.filter((m) => m.fatal);
    if (fatal.length > 0) throw new Error(fatal.map((m) => m.message).join('\n'));
    return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
  }

  async depConstraints(): Promise<DepConstraint[]> {
    const config = await this.eslint.calculateConfigForFile(join(root, 'libs', 'shared', 'kernel', 'src', 'index.ts'));
    const [, options] = config.rules[RULE];
    return options.depConstraints;
  }
}

/** The message of a tag constraint of `sourceTag` refusing the import. */
export const onlyTags = (sourceTag: string) => new RegExp(`^A project tagged with "${sourceTag}" can only depend on libs tagged with`);
export const bannedImport = (sourceTag: string, imp: string) => `A project tagged with "${sourceTag}" is not allowed to import "${imp}"`;
export const CROSS_PROJECT_PATH = 'Projects cannot be imported by a relative or absolute path, and must begin with a npm scope';
export const CIRCULAR = /^Circular dependency between/;
export const APP_IMPORT = 'Imports of apps are forbidden';

/**
 * A domain the fixtures import from (the first in alphabetical order of the folders of libs/ that publish contracts):
 * the rules are the same for every domain, and the fixtures name none.
 */
export const REFERENCE_DOMAIN = ((): string => {
  const found = readdirSync(join(root, 'libs'))
    .filter(
      (d) =>
        !['shared', 'ledger', 'sgar', 'domains'].includes(d) &&
        !d.startsWith('archtest-tmp-') &&
        existsSync(join(root, 'libs', d, 'contracts', 'project.json')),
    )
    .sort();
  if (!found.length) throw new Error('no domain under libs/: the architecture fixtures need one');
  return found[0];
})();
