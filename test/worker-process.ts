import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from '../src/lab/server';
import type { Policy } from '../src/workflows/shared';
import type { TrustedKey } from '../src/workflows/signed-decision';
import { prebuiltWorkflowBundle } from './temporal/harness';

/** A worker in its own process, from the build, configured through a file as in production: one a test can kill. */
export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  workflowIdPrefix: string;
  databaseUrl: string;
  lab: Lab;
  policy: Policy;
  /** The decision authority keys the worker trusts. */
  trust: TrustedKey[];
  metricsAddress?: string;
  /** More of the worker's configuration file (notice channels, an evidence bucket), as an operator writes it. */
  config?: Record<string, unknown>;
  /** Every line the worker writes on stderr (its JSON log). */
  onLogLine?: (line: string) => void;
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
    decisionAuthority: { keys: options.trust.map((k) => ({ publicKey: k.publicKey })) },
    virusTotalPerMinute: 600,
    workflowBundlePath: prebuiltWorkflowBundle().codePath,
    ...(options.metricsAddress ? { metricsAddress: options.metricsAddress } : {}),
    ...options.config,
  }));
  const env: NodeJS.ProcessEnv = { ...process.env, SCC_CONFIG: config, NODE_OPTIONS: '' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [join(root, 'bin/scc-responder.js'), 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      options.onLogLine?.(line);
      // Routine lines say nothing a failing test needs; warnings and errors do.
      if (!/"level":"(info|debug|trace)"/.test(line)) process.stderr.write(`[worker ${child.pid}] ${line}\n`);
    }
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
