import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createCaseActivities, describeWorker, type ActivityDeps, type CaseActivities } from '../activities';
import { startTracing, tracingWorkflowModules, type Tracing } from './tracing';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The case activities' dependencies; without them the worker serves only the health check. */
  deps?: ActivityDeps;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: { codePath: string } | { code: string };
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** How many workflows stay in memory between tasks (the SDK sizes it from the heap); 0 replays every task. */
  maxCachedWorkflows?: number;
  /** Replaces case activities by name, wrapping the real ones (tests that hold one to force an order). */
  activityOverrides?: (real: CaseActivities) => Partial<CaseActivities>;
  /** Where spans go; without it they are dropped (the bundle's tracing interceptors still need their sink). */
  tracing?: Tracing;
}

export const workflowsPath = require.resolve('../workflows');

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath };
  const tracing = options.tracing ?? startTracing({ serviceName: 'scc-responder-worker' });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: { describeWorker, ...(options.deps ? caseActivities(options.deps, options.activityOverrides) : {}) },
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...workflowSource,
    // A prebuilt bundle carries the workflow interceptors or not, as it was built (see bundle.ts).
    interceptors: { ...tracing.workerInterceptors.interceptors, ...('workflowsPath' in workflowSource && tracing.enabled ? { workflowModules: tracingWorkflowModules } : {}) },
    sinks: tracing.workerInterceptors.sinks,
  });
}

function caseActivities(deps: ActivityDeps, overrides?: (real: CaseActivities) => Partial<CaseActivities>): CaseActivities {
  const real = createCaseActivities(deps);
  return overrides ? { ...real, ...overrides(real) } : real;
}
