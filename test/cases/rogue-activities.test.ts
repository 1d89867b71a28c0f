import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { rogueContainment } from '../fixtures/workflows/rogue-containment';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { testNamespace, uniqueTaskQueue } from '../temporal/harness';
import type { investigateCase } from '../../src/workflows/investigate-case';

/**
 * Temporal access is enough to run workflows of one's own that call the responders' activities.
 * The workers apply a destructive action only for a plan their case record holds with the signed
 * approvals it needs: asked directly, for a real waiting case or for a case record the caller
 * wrote itself, they refuse, and nothing in the cluster changes.
 */

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
}, 180_000);

test('containment asked for by a workflow of somebody else is refused by the workers, unless the case holds signed approvals', async () => {
  const parsed = rig.finding('Netcat Remote Code Execution In Container', 'gke');
  const { workflowId, runId, caseId } = await rig.ingest(parsed);
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const plan = ready.plan!;
  expect(plan.actions.some((a) => a.destructive)).toBe(true);
  const destructive = plan.actions.filter((a) => a.destructive);
  const cluster = rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!;
  const writes = () => cluster.store.mutations.filter((m) => m.by === 'client').length;
  const before = writes();

  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/workflows/rogue-containment'), logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined, warn: () => undefined, error: () => undefined } });
  const rogueQueue = uniqueTaskQueue('rogue');
  const run = async (id: string, input: Parameters<typeof rogueContainment>[0]) => (await Worker.create({ connection: rig.env.nativeConnection, namespace: testNamespace, taskQueue: rogueQueue, workflowBundle: { code } })).runUntil(rig.env.client.workflow.execute<typeof rogueContainment>('rogueContainment', { workflowId: id, taskQueue: rogueQueue, args: [input] }));

  // The real case, waiting for its decision: the plan is there, no approval.
  const direct = await run(`rogue-direct-${caseId}`, { workersTaskQueue: rig.taskQueue, caseId, actions: destructive });
  expect(direct).toEqual(destructive.map((a) => `refused: ${a.action} refused: case ${caseId} holds 0 signed approval(s) of plan ${plan.hash.slice(0, 12)}, and 1 are needed`));

  // A case record of the caller's own making, with the plan and an approval by name.
  const forged = 'case-00000000f0f0';
  const at = new Date().toISOString();
  const record = await run(`rogue-record-${caseId}`, {
    workersTaskQueue: rig.taskQueue,
    caseId: forged,
    actions: destructive,
    forgeRecord: [
      { type: 'opened', workflowId: `rogue-record-${caseId}`, runId: 'made-up', subjectKey: 'made-up', finding: parsed.finding, dryRun: false, openedAt: '2020-01-01T00:00:00Z' },
      { type: 'state', status: 'containing', at, fields: { plan, planHash: plan.hash, decision: [{ decision: 'approve', approver: approvers.secops, planHash: plan.hash, at, via: 'update' }] } },
    ],
  });
  expect(record).toEqual(destructive.map((a) => `refused: ${a.action} refused: case ${forged} holds 0 signed approval(s) of plan ${plan.hash.slice(0, 12)}, and 1 are needed`));
  expect(writes()).toBe(before);

  // The same case, approved as the console would: the workers contain it.
  await rig.decide(rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId), { decision: 'approve', approver: approvers.secops, planHash: plan.hash });
  expect((await rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId).result()).outcome).toBe('contained');
  expect(writes()).toBeGreaterThan(before);

  // Undoing it needs a signed revert request too.
  const contained = writes();
  const reversible = destructive.filter((a) => a.action !== 'replace-pod' && a.action !== 'preserve-then-replace-pod' && a.action !== 'delete-revision');
  expect(reversible.length).toBeGreaterThan(0);
  const undo = await run(`rogue-undo-${caseId}`, { workersTaskQueue: rig.taskQueue, caseId, actions: reversible, undo: true });
  expect(undo).toEqual(reversible.map((a) => `refused: revert of ${a.action} refused: case ${caseId} holds no revert request signed by the decision authority`));
  expect(writes()).toBe(contained);
}, 240_000);
