import type { ProjectGraph } from '@nx/devkit';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APP_IMPORT, bannedImport, Boundaries, buildProjectGraph, CIRCULAR, CROSS_PROJECT_PATH, onlyTags, root, REFERENCE_DOMAIN } from './boundaries';

/** The domain the fixtures import from: any registered domain does. */
const D = REFERENCE_DOMAIN;

/**
 * The import rules of eslint.config.mjs, one fixture per rule: an import written in a file of a project (the folder's
 * project gives the tags) and the message the rule must answer. A fixture whose target already depends on its source
 * would be refused as a cycle before the tags are read, so each is chosen so that only the rule under test can refuse it.
 */
interface Fixture {
  why: string;
  dir: string;
  imp: string;
  refusal: RegExp | string;
}

const refused: Fixture[] = [
  // Who knows whom (scope).
  { why: 'shared code importing the ledger', dir: 'libs/shared/api/src', imp: '@erbm/ledger/domain', refusal: onlyTags('scope:shared') },
  { why: "shared code importing a domain's contracts", dir: 'libs/shared/api/src', imp: `@erbm/${D}/contracts`, refusal: onlyTags('scope:shared') },
  { why: 'the shared referentials importing a domain', dir: 'libs/shared/referentials/src', imp: `@erbm/${D}/domain`, refusal: onlyTags('scope:shared') },
  {
    why: "the ledger's read models importing a domain's contracts",
    dir: 'libs/ledger/read-models/src',
    imp: `@erbm/${D}/contracts`,
    refusal: onlyTags('scope:ledger'),
  },
  { why: "the ledger's api importing a domain", dir: 'libs/ledger/api/src', imp: `@erbm/${D}/domain`, refusal: onlyTags('scope:ledger') },
  { why: 'the ledger importing the SGAR', dir: 'libs/ledger/api/src', imp: '@erbm/sgar/api', refusal: onlyTags('scope:ledger') },
  { why: "the SGAR importing a domain's read models", dir: 'libs/sgar/api/src', imp: `@erbm/${D}/read-models`, refusal: onlyTags('scope:sgar') },
  { why: "the SGAR importing a domain's contracts", dir: 'libs/sgar/api/src', imp: `@erbm/${D}/contracts`, refusal: onlyTags('scope:sgar') },
  { why: "an app importing a domain's api", dir: 'apps/erbm/src', imp: `@erbm/${D}/api`, refusal: onlyTags('scope:app') },
  { why: "an app importing a domain's contracts", dir: 'apps/erbm/src', imp: `@erbm/${D}/contracts`, refusal: onlyTags('scope:app') },
  { why: "the projector importing a domain's model", dir: 'apps/projector/src', imp: `@erbm/${D}/domain`, refusal: onlyTags('scope:app') },
  { why: "the tools importing a domain's model", dir: 'tools', imp: `@erbm/${D}/domain`, refusal: onlyTags('scope:tools') },
  { why: "the tools importing a domain's contracts", dir: 'tools', imp: `@erbm/${D}/contracts`, refusal: onlyTags('scope:tools') },
  { why: 'a domain importing the SGAR', dir: `libs/${D}/api/src`, imp: '@erbm/sgar/api', refusal: onlyTags(`scope:${D}`) },
  // Layers (type).
  // The event store reads the kernel (its upcasters): the import is refused as a circle before its tags are read.
  {
    why: 'the kernel importing infrastructure',
    dir: 'libs/shared/kernel/src',
    imp: '@erbm/shared/event-store',
    refusal: new RegExp(`${onlyTags('type:kernel').source}|^Circular dependency between "shared-kernel" and "shared-event-store"`),
  },
  { why: 'contracts importing a domain model', dir: `libs/${D}/contracts/src`, imp: '@erbm/ledger/domain', refusal: onlyTags('type:contracts') },
  { why: 'a domain model importing an api lib', dir: `libs/${D}/domain/src`, imp: '@erbm/ledger/api', refusal: onlyTags('type:domain') },
  { why: 'a domain model importing the shared api', dir: `libs/${D}/domain/src`, imp: '@erbm/shared/api', refusal: onlyTags('type:domain') },
  { why: 'a domain model importing infrastructure', dir: `libs/${D}/domain/src`, imp: '@erbm/shared/event-store', refusal: onlyTags('type:domain') },
  // The api imports the model, so this one is refused as a cycle before its tags are read; both forbid it.
  { why: 'a domain model importing its own api', dir: `libs/${D}/domain/src`, imp: `@erbm/${D}/api`, refusal: CIRCULAR },
  { why: 'infrastructure importing a domain model', dir: 'libs/shared/auth/src', imp: '@erbm/shared/referentials', refusal: onlyTags('type:infrastructure') },
  { why: 'infrastructure importing the test helpers', dir: 'libs/shared/auth/src', imp: '@erbm/shared/testing', refusal: onlyTags('type:infrastructure') },
  { why: 'read models importing an api lib', dir: `libs/${D}/read-models/src`, imp: '@erbm/shared/api', refusal: onlyTags('type:read-models') },
  { why: 'the test helpers importing an api lib', dir: 'libs/shared/testing/src', imp: '@erbm/shared/api', refusal: onlyTags('type:testing') },
  { why: 'the registry importing the test helpers', dir: 'libs/domains/src', imp: '@erbm/shared/testing', refusal: onlyTags('type:registry') },
  // Frameworks stay out of the pure layers.
  { why: 'a domain model importing NestJS', dir: `libs/${D}/domain/src`, imp: '@nestjs/common', refusal: bannedImport('type:domain', '@nestjs/common') },
  {
    why: 'a domain model importing another NestJS package',
    dir: `libs/${D}/domain/src`,
    imp: '@nestjs/cqrs',
    refusal: bannedImport('type:domain', '@nestjs/cqrs'),
  },
  { why: 'a domain model importing TypeORM', dir: `libs/${D}/domain/src`, imp: 'typeorm', refusal: bannedImport('type:domain', 'typeorm') },
  {
    why: 'a domain model importing a subpath of TypeORM',
    dir: `libs/${D}/domain/src`,
    imp: 'typeorm/browser',
    refusal: bannedImport('type:domain', 'typeorm/browser'),
  },
  { why: "the ledger's model importing pg", dir: 'libs/ledger/domain/src', imp: 'pg', refusal: bannedImport('type:domain', 'pg') },
  {
    why: "the ledger's model importing a subpath of pg",
    dir: 'libs/ledger/domain/src',
    imp: 'pg/lib/client',
    refusal: bannedImport('type:domain', 'pg/lib/client'),
  },
  { why: 'the kernel importing NestJS', dir: 'libs/shared/kernel/src', imp: '@nestjs/common', refusal: bannedImport('type:kernel', '@nestjs/common') },
  {
    why: 'contracts importing class-validator',
    dir: `libs/${D}/contracts/src`,
    imp: 'class-validator',
    refusal: bannedImport('type:contracts', 'class-validator'),
  },
  {
    why: 'the kernel importing a subpath of class-transformer',
    dir: 'libs/shared/kernel/src',
    imp: 'class-transformer/cjs/decorators',
    refusal: bannedImport('type:kernel', 'class-transformer/cjs/decorators'),
  },
  // Nothing imports an app. No path alias leads to an app: the ways left are paths, and baseUrl for the tools.
  { why: 'the registry importing an app by a relative path', dir: 'libs/domains/src', imp: '../../../apps/erbm/src/app.module', refusal: CROSS_PROJECT_PATH },
  {
    why: 'the registry importing an app by a path from the workspace (tsconfig baseUrl)',
    dir: 'libs/domains/src',
    imp: 'apps/erbm/src/app.module',
    refusal: CROSS_PROJECT_PATH,
  },
  { why: 'an app importing another app by a relative path', dir: 'apps/erbm/src', imp: '../../sgar-api/src/app.module', refusal: CROSS_PROJECT_PATH },
  // The tools are an application for Nx (projectType), and baseUrl resolves this path without an alias.
  { why: 'an app importing the tools through baseUrl', dir: 'apps/erbm/src', imp: 'tools/rebuild', refusal: APP_IMPORT },
  // Paths across projects, and cycles.
  {
    why: 'a relative import that crosses a project',
    dir: 'tools',
    imp: '../libs/shared/event-store/src/postgres/postgres-event-store',
    refusal: CROSS_PROJECT_PATH,
  },
  {
    why: 'infrastructure importing the test helpers that import it (cycle)',
    dir: 'libs/shared/event-store/src',
    imp: '@erbm/shared/testing',
    refusal: CIRCULAR,
  },
];

const allowed: Omit<Fixture, 'refusal'>[] = [
  { why: "a domain's api importing the ledger's api", dir: `libs/${D}/api/src`, imp: '@erbm/ledger/api' },
  { why: 'a domain model importing the kernel', dir: `libs/${D}/domain/src`, imp: '@erbm/shared/kernel' },
  { why: "a domain model importing the ledger's model", dir: `libs/${D}/domain/src`, imp: '@erbm/ledger/domain' },
  { why: "a domain's read models importing its model", dir: `libs/${D}/read-models/src`, imp: `@erbm/${D}/domain` },
  { why: "the registry importing a domain's api", dir: 'libs/domains/src', imp: `@erbm/${D}/api` },
  { why: 'an app importing the registry', dir: 'apps/erbm/src', imp: '@erbm/domains' },
  { why: 'the tools importing the registry', dir: 'tools', imp: '@erbm/domains' },
  { why: "the SGAR importing the ledger's read models", dir: 'libs/sgar/api/src', imp: '@erbm/ledger/read-models' },
  { why: 'the test helpers importing infrastructure', dir: 'libs/shared/testing/src', imp: '@erbm/shared/event-store' },
  { why: 'an api lib importing NestJS', dir: `libs/${D}/api/src`, imp: '@nestjs/common' },
];

let graph: ProjectGraph;
let boundaries: Boundaries;

beforeAll(async () => {
  graph = await buildProjectGraph();
  boundaries = new Boundaries();
}, 120_000);

describe('module boundaries (the lint step of npm test)', () => {
  it.each(refused)('refuses $why ($imp in $dir)', async ({ dir, imp, refusal }) => {
    expect(await boundaries.check(dir, imp)).toEqual([expect.stringMatching(refusal)]);
  });

  // The rule reads every form that names a module at run time, and type imports too.
  it.each([
    { form: 'export * from', code: `export * from '@erbm/${D}/contracts';\n` },
    { form: 'export { … } from', code: `export { fixture } from '@erbm/${D}/contracts';\n` },
    { form: 'import type', code: `import type * as target from '@erbm/${D}/contracts';\nexport type Fixture = typeof target;\n` },
    { form: 'import()', code: `export const fixture = () => import('@erbm/${D}/contracts');\n` },
    { form: 'require()', code: `export const fixture = () => require('@erbm/${D}/contracts');\n` },
  ])('refuses a forbidden import written as $form', async ({ code }) => {
    expect(await boundaries.checkCode('libs/shared/api/src', code)).toEqual([expect.stringMatching(onlyTags('scope:shared'))]);
  });

  it.each(allowed)('accepts $why ($imp in $dir)', async ({ dir, imp }) => {
    expect(await boundaries.check(dir, imp)).toEqual([]);
  });

  it('lets the specs of a domain model use the test helpers, and refuses them to its code', async () => {
    const code = "import { deciderSpec } from '@erbm/shared/testing';\nexport const fixture = deciderSpec;\n";
    expect(await boundaries.checkCode('libs/ledger/domain/src', code, '__boundary_fixture__.spec.ts')).toEqual([]);
    expect(await boundaries.checkCode(`libs/${D}/domain/src`, code, '__boundary_fixture__.spec.ts')).toEqual([]);
    expect(await boundaries.checkCode('libs/ledger/domain/src', code)).toEqual([expect.stringMatching(onlyTags('type:domain'))]);
  });

  // "Imports of apps are forbidden" answers before the tags are read; this keeps the tags saying the same.
  it('lets no constraint depend on an app', async () => {
    for (const { sourceTag, onlyDependOnLibsWithTags = [] } of await boundaries.depConstraints()) {
      expect({ sourceTag, allows: onlyDependOnLibsWithTags.filter((t) => t === 'type:app' || t === 'scope:app') }).toEqual({ sourceTag, allows: [] });
    }
  });
});

describe('project tags (a project without its two tags, or outside Nx, escapes the rules)', () => {
  const FIXED_SCOPES = ['scope:shared', 'scope:ledger', 'scope:sgar', 'scope:registry', 'scope:app', 'scope:tools'];
  const TYPES = ['kernel', 'contracts', 'domain', 'infrastructure', 'read-models', 'testing', 'api', 'registry', 'app', 'tool'].map((t) => `type:${t}`);
  const SKIPPED = new Set(['node_modules', 'dist', 'tmp', 'coverage', '.nx', '.data']);

  /** Every file under apps/, libs/ and tools/, read from the disk rather than git so that a new project counts. */
  function files(): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!SKIPPED.has(entry.name)) walk(path);
        } else found.push(path);
      }
    };
    for (const top of ['apps', 'libs', 'tools']) walk(top);
    return found;
  }

  const projectDirs = () =>
    files()
      .filter((f) => f.endsWith('/project.json'))
      .map((f) => f.slice(0, -'/project.json'.length));
  const tagsOf = (dir: string): string[] => JSON.parse(readFileSync(join(root, dir, 'project.json'), 'utf8')).tags ?? [];

  /** The domains as eslint.config.mjs found them: the scopes it gave a constraint beyond the fixed ones. */
  async function domainScopes(): Promise<string[]> {
    return (await boundaries.depConstraints()).map((c) => c.sourceTag).filter((t) => t.startsWith('scope:') && !FIXED_SCOPES.includes(t));
  }

  /** The scope a project's place implies: libs/<folder>/… belongs to the folder's scope, an app to the apps or a domain. */
  function scopesAllowedAt(dir: string, domains: string[]): string[] {
    const [top, folder] = dir.split('/');
    if (top === 'tools') return ['scope:tools'];
    if (top === 'apps') return ['scope:app', ...domains];
    const fixed: Record<string, string> = { shared: 'scope:shared', ledger: 'scope:ledger', sgar: 'scope:sgar', domains: 'scope:registry' };
    return [fixed[folder] ?? `scope:${folder}`];
  }

  it('finds the projects', () => {
    expect(projectDirs().length).toBeGreaterThanOrEqual(20);
  });

  it('gives every project exactly one scope: tag and one type: tag, both known', () => {
    for (const dir of projectDirs()) {
      const tags = tagsOf(dir);
      const scopes = tags.filter((t) => t.startsWith('scope:'));
      const types = tags.filter((t) => t.startsWith('type:'));
      expect({ dir, scopes: scopes.length, types: types.length }).toEqual({ dir, scopes: 1, types: 1 });
      expect({ dir, type: TYPES.includes(types[0]) }).toEqual({ dir, type: true });
    }
  });

  it('gives every project the scope of its place, and every domain scope a folder of libs/ with contracts', async () => {
    const domains = await domainScopes();
    for (const scope of domains) {
      const folder = scope.slice('scope:'.length);
      expect({ scope, contracts: existsSync(join(root, 'libs', folder, 'contracts', 'project.json')) }).toEqual({ scope, contracts: true });
    }
    for (const dir of projectDirs()) {
      const [scope] = tagsOf(dir).filter((t) => t.startsWith('scope:'));
      expect({ dir, scope, allowed: scopesAllowedAt(dir, domains).includes(scope) }).toEqual({ dir, scope, allowed: true });
      // A scope that is neither fixed nor a domain of the config would have no constraint: anything would be allowed.
      expect({ dir, scope, known: FIXED_SCOPES.includes(scope) || domains.includes(scope) }).toEqual({ dir, scope, known: true });
    }
  });

  it('tags only apps as type:app and only the tools (tools/ and its projects) as type:tool', () => {
    for (const dir of projectDirs()) {
      const [type] = tagsOf(dir).filter((t) => t.startsWith('type:'));
      expect({ dir, type, app: type === 'type:app' }).toEqual({ dir, type, app: dir.startsWith('apps/') });
      expect({ dir, type, tool: type === 'type:tool' }).toEqual({ dir, type, tool: dir === 'tools' || dir.startsWith('tools/') });
    }
  });

  it('has a constraint for every tag in use', async () => {
    const sourceTags = new Set((await boundaries.depConstraints()).map((c) => c.sourceTag));
    for (const dir of projectDirs())
      for (const tag of tagsOf(dir)) expect({ dir, tag, constrained: sourceTags.has(tag) }).toEqual({ dir, tag, constrained: true });
  });

  it('knows every project.json as an Nx project, and no project without one', () => {
    const graphRoots = Object.values(graph.nodes)
      .map((n) => n.data.root)
      .filter((r) => /^(apps|libs|tools)(\/|$)/.test(r));
    expect([...graphRoots].sort()).toEqual(projectDirs().sort());
  });

  it('leaves no source file outside a project (the rule skips such files)', () => {
    const roots = projectDirs();
    const loose = files()
      .filter((f) => /\.[cm]?[jt]sx?$/.test(f))
      .filter((f) => !roots.some((r) => relative(r, f) !== '' && !relative(r, f).startsWith('..')));
    expect(loose).toEqual([]);
  });
});
