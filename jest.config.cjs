/** One Jest run for the whole monorepo. NestJS 12 and a few of its dependencies are ESM-only: transform them too. */
const esmPackages = ['@nestjs', 'file-type', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@borewit', 'load-esm'];

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
    target: 'es2022',
  },
  module: { type: 'commonjs', ignoreDynamic: true },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '^.+\\.m?js$': ['@swc/jest', { ...swc, jsc: { ...swc.jsc, parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    '^@erbm/shared/event-store/testing$': '<rootDir>/libs/shared/event-store/src/testing/index.ts',
    '^@erbm/shared/event-store$': '<rootDir>/libs/shared/event-store/src/index.ts',
    '^@erbm/shared/testing$': '<rootDir>/libs/shared/testing/src/index.ts',
  },
  testTimeout: 60_000,
};
