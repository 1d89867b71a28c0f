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
  // A worker keeps what every test file it ran loaded (SDK runtimes, client libraries, bundles): left
  // alone it grows to the heap's limit (about 4 GB each here) and then spends its time collecting,
  // which stalled workflow tasks for 40 s and timed tests out. Past this after a file, it starts afresh.
  workerIdleMemoryLimit: '1536MB',
  testTimeout: 60_000,
};
