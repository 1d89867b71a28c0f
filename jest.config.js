/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' } }],
  },
  globalSetup: '<rootDir>/test/temporal/global-setup.ts',
  globalTeardown: '<rootDir>/test/temporal/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/temporal/quiet-runtime.ts'],
  // Workers share one dev server; two keep a 2-core machine responsive.
  maxWorkers: 2,
  testTimeout: 60_000,
};
