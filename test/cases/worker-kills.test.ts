import type { ChildProcess } from 'node:child_process';
import { notPendingYet } from '../../src/workflows/decision-rules';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CaseRecord } from '../../src/cases/case-store';
import { parseFindingObject } from '../../src/findings/parse';
import { ingestFinding } from '../../src/intake/ingest';
import type { FaultRule } from '../../src/lab/scenario';
import type { Mutation } from '../../src/lab/kube-store';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { decideUpdate, defaultPolicy, type Policy } from '../../src/workflows/shared';
import { newAuthority, signedFor } from '../case-rig';
import { startTestLab, paymentsCluster } from '../lab-harness';
import { attachToTestServer, uniqueTaskQueue } from '../temporal/harness';
import { freshWorkerDatabase } from '../worker-database';
import { killWorker, startWorkerProcess } from '../worker-process';
import { retriedActivities } from '../history-facts';

/**
 * A worker process killed (SIGKILL) at every boundary between the runbook's steps and in the
 * middle of the long activities. Each kill happens in a station of its own (its own lab, case
 * store, task queue and worker), all at once, so the test costs one activity timeout rather
 * than one per boundary. Every station must close its case as contained, with exactly the
 * Kubernetes writes of a station where nothing was killed.
 */

const approver = 'secops@acme.example';
const authority = newAuthority();
const policy: Policy = {
  ...defaultPolicy,
  approvers: [approver],
  // The response with the most writes: isolate and detach the pod, then cordon its node.
  responses: { 'launch-code-compiler-tool': { gke: ['notify-owner', 'preserve-then-replace-pod', 'cordon-node'] } },
};

interface KillMoment {
  name: string;
  /** When the case record shows this, the worker dies. */
  reached(record: CaseRecord): boolean;
  /** Slow requests that keep an activity running long enough to die inside it. */
  faults?: FaultRule[];
  /** The activity the kill must land inside: its first attempt is cut, and a second one finishes it. */
  cuts?: string;
  /** Kill only once the lab has this (slowed) request in hand, as `API operation`: the activity is inside it then. */
  whileServing?: string;
}

const has = (key: string) => (record: CaseRecord) => record.timeline.some((entry) => entry.event_key === key);
const decided = (record: CaseRecord) => record.timeline.some((entry) => entry.kind === 'decision');
const slow = (api: FaultRule['api'], operation?: string): FaultRule[] => [{ api, ...(operation ? { operation } : {}), latencyMs: 8000, transientRate: 0 }];

const moments: KillMoment[] = [
  { name: 'after the case opened', reached: has('opened') },
  ...['capture', 'pod', 'cluster-and-node', 'logs', 'review', 'research'].map((step) => ({ name: `after the ${step} step`, reached: has(`step:${step}`) })),
  { name: 'after the plan, while it waits for a decision', reached: has('plan') },
  { name: 'after the approval was recorded', reached: decided },
  ...[1, 2].map((n) => ({ name: `after action ${n} was recorded`, reached: (record: CaseRecord) => record.actions.length >= n })),
  { name: 'after the case was recorded contained', reached: has('status:contained') },
  { name: 'in the middle of copying the binary out', reached: has('opened'), faults: slow('kubernetes', 'create pods/exec'), whileServing: 'kubernetes create pods/exec', cuts: 'captureEvidence' },
  { name: 'in the middle of the log queries', reached: has('step:cluster-and-node'), faults: slow('logging'), whileServing: 'logging entries.list', cuts: 'queryLogs' },
  // Only the write is slowed, so the kill lands in the action, not in the re-plan that reads before it.
  { name: 'in the middle of isolating the pod', reached: decided, faults: slow('kubernetes', 'create networkpolicies'), whileServing: 'kubernetes create networkpolicies', cuts: 'applyAction' },
];

interface StationResult {
  moment: string;
  killed: boolean;
  outcome: string | undefined;
  actions: string[];
  writes: string[];
  auditIntact: boolean;
  /** Decisions the case refused: none, in any station. */
  refusals: string[];
  /** Activities a second attempt finished: where a kill cut one short. */
  retried: string[];
}

const describeWrite = (m: Mutation) => `${m.verb} ${m.resource} ${m.namespace ?? ''}/${m.name}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await attachToTestServer();
});

afterAll(async () => {
  await env?.teardown();
});

async function runStation(moment: KillMoment | undefined): Promise<StationResult> {
  const { lab } = await startTestLab();
  const db = await freshWorkerDatabase();
  const taskQueue = uniqueTaskQueue('kill');
  const workflowIdPrefix = `scc-case-${taskQueue}`;
  const start = () => startWorkerProcess({ address: env.address, taskQueue, workflowIdPrefix, databaseUrl: db.url, lab, policy, trust: [authority.key] });
  const workers: ChildProcess[] = [start()];
  let killed = false;
  try {
    lab.faults.set(moment?.faults ?? []);
    const entry = lab.scenario.findings.find((f) => String(f.finding.category).endsWith('Launch Code Compiler Tool In Container') && String(f.finding.resourceName).includes('container.googleapis.com'))!;
    const ingested = await ingestFinding({ client: env.client, store: db.store, taskQueue, policy, workflowIdPrefix }, parseFindingObject(entry));
    if (ingested.outOfScope !== undefined) throw new Error(`the finding is out of scope: ${ingested.outOfScope}`);
    const { caseId, workflowId, runId } = ingested;
    const handle = env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    let approval: 'none' | 'sent' | 'accepted' = 'none';
    const refusals: string[] = [];
    const deadline = Date.now() + 240_000;
    for (;;) {
      const record = await db.store.getCase(caseId);
      if (Date.now() > deadline) {
        throw new Error(`${moment?.name ?? 'reference'}: the case did not close in time (status ${record?.case.status}, approval ${approval}, killed ${killed}, last events ${record?.timeline.slice(-4).map((e) => e.event_key).join(', ')})`);
      }
      if (record && moment && !killed && moment.reached(record) && (!moment.whileServing || (lab.operations[moment.whileServing] ?? 0) > 0)) {
        await killWorker(workers.at(-1)!);
        killed = true;
        lab.faults.set([]);
        workers.push(start());
      }
      if (record?.case.status === 'awaiting-decision' && approval === 'none') {
        approval = 'sent';
        // Not awaited: a kill must be able to land while it is in flight. An update the dying
        // worker never accepted fails on the client, and a person would send it again.
        signedFor(handle, { decision: 'approve', approver, planHash: record.case.plan_hash! }, authority).then((signed) => handle.executeUpdate(decideUpdate, { args: [signed] })).then(
          () => (approval = 'accepted'),
          (error: unknown) => {
            // A refusal is the case's answer and fails the station; only an update that never got an answer is sent again,
            // or one that came in the workflow task between the plan's own record and the case waiting on it (the console sends that again too).
            const refusal = error instanceof WorkflowUpdateFailedError ? String((error.cause as Error | undefined)?.message ?? error.message) : undefined;
            if (refusal !== undefined && refusal !== notPendingYet) refusals.push(refusal);
            approval = 'none';
          },
        );
      }
      if (record?.case.closed_at) {
        const result = await handle.result();
        return {
          moment: moment?.name ?? 'reference',
          killed,
          outcome: result.outcome,
          actions: result.actions.map((a) => `${a.action}: ${a.status === 'already-done' ? 'applied' : a.status}`),
          writes: lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!.store.mutations.filter((m) => m.by === 'client').map(describeWrite).sort(),
          auditIntact: (await db.store.verifyAudit(caseId)).intact,
          refusals,
          retried: retriedActivities(await handle.fetchHistory()),
        };
      }
      await sleep(50);
    }
  } finally {
    for (const worker of workers) await killWorker(worker);
    await db.close();
    await lab.stop();
  }
}

test('a worker killed at every step boundary and inside long activities: every case is contained, and nothing is written twice', async () => {
  const [reference, ...stations] = await Promise.all([runStation(undefined), ...moments.map((moment) => runStation(moment))]);
  expect(reference).toMatchObject({ outcome: 'contained', actions: ['preserve-then-replace-pod: applied', 'cordon-node: applied'], auditIntact: true, refusals: [], retried: [] });
  expect(reference.writes.length).toBeGreaterThanOrEqual(3);
  stations.forEach(({ retried, ...station }, i) => {
    expect(station).toEqual({ ...reference, retried: undefined, moment: station.moment, killed: true });
    // A kill meant for the middle of an activity landed there: that activity needed a second attempt.
    if (moments[i]!.cuts) expect({ moment: station.moment, retried }).toEqual({ moment: station.moment, retried: expect.arrayContaining([moments[i]!.cuts]) });
  });
}, 420_000);
