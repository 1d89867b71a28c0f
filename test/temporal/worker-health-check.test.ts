import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorker } from '../../src/worker/create-worker';
import { workerHealthCheck } from '../../src/workflows';
import { allSearchAttributeKeys } from '../../src/workflows/search-attributes';
import { attachToTestServer, prebuiltWorkflowBundle, testNamespace, uniqueTaskQueue } from './harness';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await attachToTestServer();
});

afterAll(async () => {
  await env?.teardown();
});

test('a workflow runs its activity to completion on the real dev server', async () => {
  const taskQueue = uniqueTaskQueue('health');
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: testNamespace,
    taskQueue,
    workflowBundle: prebuiltWorkflowBundle(),
  });
  const workflowId = `health-${taskQueue}`;

  const health = await worker.runUntil(env.client.workflow.execute(workerHealthCheck, { taskQueue, workflowId }));

  expect(health.pid).toBe(process.pid);
  expect(health.nodeVersion).toBe(process.version);
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const completed = history.events?.filter((event) => event.activityTaskCompletedEventAttributes) ?? [];
  expect(completed).toHaveLength(1);
  expect(history.events?.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
});

test('the dev server has the case search attributes registered', async () => {
  const response = await env.connection.operatorService.listSearchAttributes({ namespace: testNamespace });
  const registered = Object.keys(response.customAttributes ?? {});
  expect(registered).toEqual(expect.arrayContaining(allSearchAttributeKeys.map((key) => key.name)));
});
