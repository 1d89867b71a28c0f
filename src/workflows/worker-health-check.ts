import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { WorkerHealth } from '../activities';

const { describeWorker } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** Round trip through the server, a workflow task and an activity task: the cheapest end-to-end proof. */
export async function workerHealthCheck(): Promise<WorkerHealth> {
  return await describeWorker();
}
