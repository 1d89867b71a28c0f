import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { sharedEnvKeys } from './shared-env';

export const testNamespace = 'default';

/** Attaches a test file to the run's dev server, started once by the global setup. */
export async function attachToTestServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({
    address: requireEnv(sharedEnvKeys.address),
    namespace: testNamespace,
  });
}

export function prebuiltWorkflowBundle(): { codePath: string } {
  return { codePath: requireEnv(sharedEnvKeys.bundle) };
}

/** Task queues are per test, so tests sharing the server never take each other's tasks. */
export function uniqueTaskQueue(label: string): string {
  return `test-${label}-${randomUUID()}`;
}

function requireEnv(key: string): string {
  const value = process.env[key];
  if (!value) {
    throw new Error(`${key} is not set: run the tests through jest with test/temporal/global-setup.ts`);
  }
  return value;
}
