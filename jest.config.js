// Jest runs the TypeScript sources as ESM: @swc/jest strips the types (the same
// erasable-only TypeScript that Node 22 runs natively), imports keep their .ts names.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Tests that change the whole machine (test/e2e/machine-wide: the kernel's one neighbour
  // table) must not run beside others: `npm test` runs them afterwards, serially, with
  // --testPathIgnorePatterns=/node_modules/ (see the test's header).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/machine-wide/'],
  testTimeout: 60000,
};
