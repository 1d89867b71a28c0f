/** Environment variables through which the global setup hands its server and bundle to test files. */
export const sharedEnvKeys = {
  address: 'SCC_TEST_TEMPORAL_ADDRESS',
  bundle: 'SCC_TEST_WORKFLOW_BUNDLE',
} as const;
