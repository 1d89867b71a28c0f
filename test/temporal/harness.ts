import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
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

/**
 * The workflows a task queue holds. On a queue no worker serves, each one was started by
 * whatever the test fed in: this is how intake tests see what intake started.
 */
export async function workflowIdsOn(client: Client, taskQueue: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const workflow of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) ids.add(workflow.workflowId);
  return ids;
}

/** Cleans a worker-less queue up, so its workflows do not linger on the shared server. */
export async function terminateAllOn(client: Client, taskQueue: string, reason: string): Promise<void> {
  for (const id of await workflowIdsOn(client, taskQueue)) await client.workflow.getHandle(id).terminate(reason).catch(() => undefined);
}
