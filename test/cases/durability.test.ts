import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '../../src/stack/temporal-dev-server';
import { resolveTemporalCli } from '../../src/stack/temporal-cli';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { freePort } from '../free-port';
import { freshWorkerDatabase } from '../worker-database';
import { killWorker, startWorkerProcess } from '../worker-process';
import { retriedActivities } from '../history-facts';

/** Cases survive a worker killed mid-step and a Temporal server restarted under them. */

/** Waits until a case has no workflow task and no activity outstanding: only the decision can move it. */
async function waitUntilParked(rig: CaseRig, workflowId: string, runId: string, timeoutMs = 120_000): Promise<void> {
  const handle = rig.env.client.workflow.getHandle(workflowId, runId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { raw } = await handle.describe();
    if (!raw.pendingWorkflowTask && (raw.pendingActivities ?? []).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`case ${workflowId} still had work outstanding after ${timeoutMs} ms`);
}

/** Returns once the lab has more than `seen` requests of this operation in hand: the activity that made the (slowed) last one is inside it now. */
async function whileServing(rig: CaseRig, operation: string, seen = 0, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((rig.lab.operations[operation] ?? 0) <= seen) {
    if (Date.now() > deadline) throw new Error(`the lab saw no ${operation} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function workerProcess(rig: CaseRig, databaseUrl: string): ChildProcess {
  return startWorkerProcess({ address: rig.env.address, taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix, databaseUrl, lab: rig.lab, policy: rig.policy, trust: [rig.authority.key] });
}

test('a worker killed in the middle of a step: a new one finishes the case, and nothing is done twice', async () => {
  const db = await freshWorkerDatabase();
  const rig = await startCaseRig({}, { store: db.store });
  const databaseUrl = db.url;
  const workers: ChildProcess[] = [];
  try {
    // Slow log queries keep step 4 running long enough to kill the worker inside it.
    rig.lab.faults.set([{ api: 'logging', latencyMs: 3000, transientRate: 0 }]);
    workers.push(workerProcess(rig, databaseUrl));
    const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
    // Volatile first: the node check comes right before the logs.
    await rig.waitFor(workflowId, runId, (s) => s.steps.some((step) => step.step === 'cluster-and-node'), 90_000);
    await whileServing(rig, 'logging entries.list');
    await killWorker(workers[0]!);
    rig.lab.faults.set([]);

    workers.push(workerProcess(rig, databaseUrl));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 90_000);
    expect(ready.steps.map((s) => [s.step, s.outcome])).toEqual([['capture', 'ok'], ['pod', 'ok'], ['cluster-and-node', 'ok'], ['logs', 'ok'], ['review', 'ok'], ['research', 'ok']]);

    // Kill again while the approved containment runs; the next worker must not act twice. Only the
    // delete is slowed, so the kill lands in the action, not in the re-plan that reads the pod first.
    rig.lab.faults.set([{ api: 'kubernetes', operation: 'delete pods', latencyMs: 1500, transientRate: 0 }]);
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    const deletesBefore = rig.lab.operations['kubernetes delete pods'] ?? 0;
    await rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
    await whileServing(rig, 'kubernetes delete pods', deletesBefore);
    await killWorker(workers[1]!);
    rig.lab.faults.set([]);
    workers.push(workerProcess(rig, databaseUrl));
    const closed = await handle.result();
    expect(closed.outcome).toBe('contained');
    expect(closed.actions.find((a) => a.action === 'replace-pod')!.status).toMatch(/applied|already-done/);
    const deletes = rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client' && m.verb === 'delete');
    expect(deletes).toHaveLength(1);
    // Where the kills landed, from the history: a second attempt finished the log queries and the action.
    expect(retriedActivities(await handle.fetchHistory())).toEqual(expect.arrayContaining(['queryLogs', 'applyAction']));
  } finally {
    for (const worker of workers) await killWorker(worker);
    await rig.stop();
    await db.close();
  }
}, 240_000);

test('the Temporal server stopped and started again while every case awaits approval: all resume and take their decisions', async () => {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'scc-temporal-')), 'temporal.db');
  const port = await freePort();
  const serverOptions = { cliPath: resolveTemporalCli(), dbFile, port, uiPort: await freePort() };
  let server = await startDevServer(serverOptions);
  const rig = await startCaseRig({}, { temporalAddress: server.address });
  try {
    await rig.startWorker();
    // Every active finding in the scenario: related ones join, so one case per container or revision.
    const { cases, ready } = await rig.ingestScenario();
    expect(cases.length).toBeGreaterThanOrEqual(3);
    // Parked: the owners told, nothing running. The restart is of a server holding waiting cases,
    // not one cut off in the middle of a task (the worker-kill test above covers work in flight).
    await Promise.all(cases.map((c) => waitUntilParked(rig, c.workflowId, c.runId)));

    await server.stop();
    server = await startDevServer(serverOptions);
    // Each case answers again through the new server before anyone decides.
    await Promise.all(cases.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision', 120_000)));

    await Promise.all(cases.map((c, i) => rig.decide(rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId), { decision: 'approve', approver: approvers.lead, planHash: ready[i]!.plan!.hash })));
    const closed = await Promise.all(cases.map((c) => rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId).result()));
    expect(closed.map((c) => c.outcome)).toEqual(cases.map(() => 'contained'));
    expect(closed.map((c) => c.decisions.map((d) => d.approver))).toEqual(cases.map(() => [approvers.lead]));
  } finally {
    await rig.stop();
    await server.stop();
  }
}, 240_000);
