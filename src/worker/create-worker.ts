import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import * as activities from '../activities';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: { codePath: string } | { code: string };
}

export const workflowsPath = require.resolve('../workflows');

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities,
    ...workflowSource,
  });
}
