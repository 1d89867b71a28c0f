import { NativeConnection, Worker } from '@temporalio/worker';
import { floorActivities } from './floor-activities';

/** The floor's worker, in its own process like the real one: `node dist/bench/floor-worker.js ADDRESS TASK_QUEUE`. */
async function main(): Promise<void> {
  const [address, taskQueue] = process.argv.slice(2);
  if (!address || !taskQueue) throw new Error('usage: floor-worker ADDRESS TASK_QUEUE');
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, namespace: 'default', taskQueue, workflowsPath: require.resolve('./floor-workflow'), activities: floorActivities() });
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`floor worker: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
