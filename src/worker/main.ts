import { loadConfig, type Config } from '../config/config';
import { Runtime } from '@temporalio/worker';
import { startCaseCountGauge } from './case-count-gauge';
import { createWorker } from './create-worker';
import { installTelemetry } from './telemetry';
import { startTracing, tracingFromEnv } from './tracing';
import { buildActivityDeps, connectClient, connectWorker, openCaseStore } from './runtime';
import { startReconciler } from './case-reconciler';
import { campaignPeers } from '../activities/campaign-peers';

/** The prebuilt bundle that matches: with the tracing interceptors when traces are exported; none means bundling at start. */
function workflowBundleFor(config: Config, tracing: boolean): { workflowBundle?: { codePath: string } } {
  const path = tracing ? config.tracedWorkflowBundlePath : config.workflowBundlePath;
  return path ? { workflowBundle: { codePath: path } } : {};
}

/** The worker process: configuration validated first, then runs until SIGINT/SIGTERM, then drains. */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  installTelemetry(config.metricsAddress ? { metricsAddress: config.metricsAddress } : {});
  const tracing = startTracing(tracingFromEnv(process.env, 'scc-responder-worker', config.tracing));
  const store = await openCaseStore(config);
  const client = await connectClient(config);
  const deps = { ...buildActivityDeps(config, store), campaignPeers: campaignPeers(store, client) };
  const gauge = config.metricsAddress ? startCaseCountGauge(store, Runtime.instance().metricMeter, 5_000, (error) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), level: 'warn', message: `case counts not read: ${error instanceof Error ? error.message : String(error)}` })}\n`)) : undefined;
  const connection = await connectWorker(config);
  const log = (line: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);
  if (deps.decisionRules.keys.length === 0) {
    log({ level: 'warn', message: 'no decisionAuthority.keys are configured: every case this worker opens will refuse every decision, since none can be verified' });
  } else {
    log({ level: 'info', message: `decisions verified with ${deps.decisionRules.keys.map((k) => k.id).join(', ')}` });
  }
  const reconciler = config.reconcileIntervalMs > 0 ? startReconciler({ ...deps, client }, config.reconcileIntervalMs, log) : undefined;
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps,
    tracing,
    ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
    ...workflowBundleFor(config, tracing.enabled),
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    gauge?.stop();
    await reconciler?.stop();
    await client.connection.close();
    await deps.clients.close();
    await connection.close();
    await store.db.close();
    await tracing.shutdown();
  }
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
