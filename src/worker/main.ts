import { loadConfig } from '../config/config';
import { createWorker } from './create-worker';
import { installTelemetry } from './telemetry';
import { buildActivityDeps, connectWorker, openCaseStore } from './runtime';

/** The worker process: configuration validated first, then runs until SIGINT/SIGTERM, then drains. */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  installTelemetry(config.metricsAddress ? { metricsAddress: config.metricsAddress } : {});
  const store = await openCaseStore(config);
  const deps = buildActivityDeps(config, store);
  const connection = await connectWorker(config);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps,
    ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await deps.clients.close();
    await connection.close();
    await store.db.close();
  }
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
