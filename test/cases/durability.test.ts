import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from '../../src/cases/database';
import { startDevServer } from '../../src/stack/temporal-dev-server';
import { resolveTemporalCli } from '../../src/stack/temporal-cli';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { decideUpdate } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { freePort } from '../free-port';

/** Cases survive a worker killed mid-step and a Temporal server restarted under them. */

const root = join(__dirname, '../..');

/** A worker in its own process, from the build, configured through a file as in production. */
async function workerProcess(rig: CaseRig, databaseUrl: string): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'scc-worker-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({
    dataDir: dir,
    temporal: { address: rig.env.address, namespace: 'default', taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix },
    databaseUrl,
    cloud: { mode: 'lab', url: rig.lab.url, token: rig.lab.token, kubeconfigPath: rig.lab.kubeconfigPath, virusTotal: { apiKey: rig.lab.virusTotalKey } },
    policy: rig.policy,
    virusTotalPerMinute: 600,
  }));
  const child = spawn(process.execPath, [join(root, 'bin/scc-responder.js'), 'worker'], { env: { ...process.env, SCC_CONFIG: config, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`));
  return child;
}

test('a worker killed in the middle of a step: a new one finishes the case, and nothing is done twice', async () => {
  const rig = await startCaseRig();
  const socket = new PGLiteSocketServer({ db: (rig.store.db as EmbeddedDatabase).pglite, host: '127.0.0.1', port: await freePort(), maxConnections: 32 });
  await socket.start();
  const databaseUrl = `postgres://postgres@${socket.getServerConn()}/postgres`;
  const workers: ChildProcess[] = [];
  try {
    // Slow log queries keep step 4 running long enough to kill the worker inside it.
    rig.lab.faults.set([{ api: 'logging', latencyMs: 3000, transientRate: 0 }]);
    workers.push(await workerProcess(rig, databaseUrl));
    const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
    // Volatile first: the node check comes right before the logs.
    await rig.waitFor(workflowId, runId, (s) => s.steps.some((step) => step.step === 'cluster-and-node'), 90_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    workers[0]!.kill('SIGKILL');
    rig.lab.faults.set([]);

    workers.push(await workerProcess(rig, databaseUrl));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 90_000);
    expect(ready.steps.map((s) => [s.step, s.outcome])).toEqual([['capture', 'ok'], ['pod', 'ok'], ['cluster-and-node', 'ok'], ['logs', 'ok'], ['review', 'ok'], ['research', 'ok']]);

    // Kill again while the approved containment runs; the next worker must not act twice.
    rig.lab.faults.set([{ api: 'kubernetes', pathContains: '/pods/checkout-api-7d9f8b6c5-x2k8q', latencyMs: 1500, transientRate: 0 }]);
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash }] });
    await new Promise((resolve) => setTimeout(resolve, 800));
    workers[1]!.kill('SIGKILL');
    rig.lab.faults.set([]);
    workers.push(await workerProcess(rig, databaseUrl));
    const closed = await handle.result();
    expect(closed.outcome).toBe('contained');
    expect(closed.actions.find((a) => a.action === 'replace-pod')!.status).toMatch(/applied|already-done/);
    const deletes = rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client' && m.verb === 'delete');
    expect(deletes).toHaveLength(1);
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    await socket.stop();
    await rig.stop();
  }
}, 240_000);

test('the Temporal server stopped and started again while a case awaits approval: the approval still lands', async () => {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'scc-temporal-')), 'temporal.db');
  const port = await freePort();
  const serverOptions = { cliPath: resolveTemporalCli(), dbFile, port, uiPort: await freePort() };
  let server = await startDevServer(serverOptions);
  const rig = await startCaseRig({}, { temporalAddress: server.address });
  try {
    await rig.startWorker();
    const { workflowId, runId } = await rig.ingest(rig.finding('Malicious Script Executed', 'gke'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');

    await server.stop();
    server = await startDevServer(serverOptions);

    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash }] });
    expect((await handle.result()).outcome).toBe('contained');
  } finally {
    await rig.stop();
    await server.stop();
  }
}, 180_000);
