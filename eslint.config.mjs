import nx from '@nx/eslint-plugin';

const frameworks = ['@nestjs/*', 'typeorm', 'pg', 'express', '@eventstore/*', '@electric-sql/*', 'class-validator', 'class-transformer'];
const scopes = ['habitat', 'emploi', 'politique-de-la-ville', 'culture', 'sgar'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.data', '**/.nx', 'jest.config.cjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // A domain is pure TypeScript: it sees only domains and published contracts, and no framework.
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              bannedExternalImports: frameworks,
            },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: frameworks },
            { sourceTag: 'type:infrastructure', onlyDependOnLibsWithTags: ['type:infrastructure'] },
            {
              sourceTag: 'type:read-models',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:infrastructure', 'type:testing'],
            },
            {
              sourceTag: 'type:api',
              onlyDependOnLibsWithTags: ['type:api', 'type:domain', 'type:contracts', 'type:infrastructure', 'type:read-models', 'type:testing'],
            },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infrastructure', 'type:domain', 'type:contracts', 'type:testing'] },
            // Nothing imports an app.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:api', 'type:read-models', 'type:domain', 'type:contracts', 'type:infrastructure', 'type:testing'],
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: ['type:api', 'type:read-models', 'type:domain', 'type:contracts', 'type:infrastructure', 'type:testing'],
            },
            // A domain reaches another domain only through its contracts.
            ...scopes.map((scope) => ({
              sourceTag: `scope:${scope}`,
              onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared', 'type:contracts'],
            })),
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', ...scopes.map((s) => `scope:${s}`)] },
          ],
        },
      ],
    },
  },
];
