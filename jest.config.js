// One jest run for the whole monorepo. Workspace packages resolve to their TypeScript sources, so tests
// need no build; @swc/jest strips types (tsc checks them separately: npm run typecheck).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test', '<rootDir>/bench'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleNameMapper: {
    '^@rtcroom/common/testing$': '<rootDir>/packages/common/src/testing/index.ts',
    '^@rtcroom/common/errors$': '<rootDir>/packages/common/src/errors-entry.ts',
    '^@rtcroom/(proto|common|dev|cli|embedded-store)$': '<rootDir>/packages/$1/src/index.ts',
    '^@rtcroom/(room|presence|gateway|url-issuer|media-bridge)$': '<rootDir>/services/$1/src/index.ts',
    '^@rtcroom/sdk$': '<rootDir>/packages/sdk/src/index.ts',
    // The SDK's sources import each other as './x.js' (so tsc's ES build runs in browsers as it is).
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
