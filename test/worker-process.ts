import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../src/lab/server';
import type { Policy } from '../src/workflows/shared';
import { prebuiltWorkflowBundle } from './temporal/harness';

/** A worker in its own process, from the build, configured through a file as in production: one a test can kill. */
export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  workflowIdPrefix: string;
  databaseUrl: string;
  lab: Lab;
  policy: Policy;
}

const root = join(__dirname, '..');

export function startWorkerProcess(options: WorkerProcessOptions): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'scc-worker-'));
  const config = join(dir, 'config.json');
  const { lab } = options;
  writeFileSync(config, JSON.stringify({
    dataDir: dir,
    temporal: { address: options.address, namespace: 'default', taskQueue: options.taskQueue, workflowIdPrefix: options.workflowIdPrefix },
    databaseUrl: options.databaseUrl,
    cloud: { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey } },
    policy: options.policy,
    virusTotalPerMinute: 600,
    workflowBundlePath: prebuiltWorkflowBundle().codePath,
  }));
  const env: NodeJS.ProcessEnv = { ...process.env, SCC_CONFIG: config, NODE_OPTIONS: '' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [join(root, 'bin/scc-responder.js'), 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    // The SDK's own start-up and shutdown lines say nothing a failing test needs.
    if (!/\[INFO\]/.test(text)) process.stderr.write(`[worker ${child.pid}] ${text}`);
  });
  return child;
}

/** SIGKILL: no drain, no goodbye; whatever the worker held is lost the way a crash loses it. */
export async function killWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
