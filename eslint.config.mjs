import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nx from '@nx/eslint-plugin';

const root = dirname(fileURLToPath(import.meta.url));
/** Each package with its subpaths: the rule bans `typeorm` as the exact specifier, and would let `typeorm/browser` through. */
/** What the apps and the tools, the composition roots, may import: every layer but another app. */
const COMPOSITION_ROOT = [
  'type:registry',
  'type:api',
  'type:read-models',
  'type:domain',
  'type:contracts',
  'type:infrastructure',
  'type:kernel',
  'type:testing',
];
const frameworks = ['@nestjs/*', 'typeorm', 'pg', 'express', '@eventstore/*', '@electric-sql/*', 'class-validator', 'class-transformer'].flatMap((p) =>
  p.endsWith('/*') ? [p] : [p, `${p}/*`],
);
/** Folders of libs/ that are not domains: the shared kernel and infrastructure, the ledger, the SGAR's views, the registry. */
const NOT_DOMAINS = new Set(['shared', 'ledger', 'sgar', 'domains']);
/**
 * The domains, found rather than listed (this file names none): every folder of libs/ that publishes contracts. Each is
 * tagged `scope:<folder>` by the domain generator.
 */
const domains = readdirSync(join(root, 'libs')).filter((d) => !NOT_DOMAINS.has(d) && existsSync(join(root, 'libs', d, 'contracts', 'project.json')));

const depConstraints = [
  // Layers (type): pure code at the bottom, frameworks above, the composition root and the apps on top.
  { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'], bannedExternalImports: frameworks },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:kernel'], bannedExternalImports: frameworks },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:kernel'], bannedExternalImports: frameworks },
  { sourceTag: 'type:infrastructure', onlyDependOnLibsWithTags: ['type:infrastructure', 'type:kernel'] },
  { sourceTag: 'type:read-models', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infrastructure', 'type:kernel', 'type:testing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infrastructure', 'type:domain', 'type:contracts', 'type:kernel', 'type:testing'] },
  {
    sourceTag: 'type:api',
    onlyDependOnLibsWithTags: ['type:api', 'type:domain', 'type:contracts', 'type:infrastructure', 'type:read-models', 'type:kernel', 'type:testing'],
  },
  {
    sourceTag: 'type:registry',
    onlyDependOnLibsWithTags: ['type:api', 'type:read-models', 'type:domain', 'type:contracts', 'type:infrastructure', 'type:kernel'],
  },
  // Nothing imports an app: no constraint lists type:app.
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: COMPOSITION_ROOT,
  },
  {
    sourceTag: 'type:tool',
    onlyDependOnLibsWithTags: COMPOSITION_ROOT,
  },
  // Who knows whom (scope): shared code knows no domain and not the ledger; the ledger knows no domain; the
  // SGAR's views and the apps and tools that serve every domain reach them through the registry only.
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:ledger', onlyDependOnLibsWithTags: ['scope:ledger', 'scope:shared'] },
  { sourceTag: 'scope:sgar', onlyDependOnLibsWithTags: ['scope:sgar', 'scope:ledger', 'scope:shared'] },
  {
    sourceTag: 'scope:registry',
    onlyDependOnLibsWithTags: ['scope:registry', 'scope:sgar', 'scope:ledger', 'scope:shared', ...domains.map((d) => `scope:${d}`)],
  },
  { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:registry', 'scope:sgar', 'scope:ledger', 'scope:shared'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:tools', 'scope:registry', 'scope:sgar', 'scope:ledger', 'scope:shared'] },
  // A domain reaches another domain only through its contracts.
  ...domains.map((domain) => ({
    sourceTag: `scope:${domain}`,
    onlyDependOnLibsWithTags: [`scope:${domain}`, 'scope:ledger', 'scope:shared', 'type:contracts'],
  })),
];

/**
 * A domain's specs may also use the test helpers (deciderSpec); its code may not. The kernel's specs may not either:
 * the helpers depend on the kernel, and Nx refuses a cycle between projects.
 */
const specDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:domain' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] } : c,
);

const moduleBoundaries = (constraints) => ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: constraints }];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.data', '**/.nx', 'jest.config.cjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': moduleBoundaries(depConstraints),
    },
  },
  { files: ['**/*.spec.ts'], rules: { '@nx/enforce-module-boundaries': moduleBoundaries(specDepConstraints) } },
];
