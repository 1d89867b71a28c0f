import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { investigateCase } from '../../src/workflows/investigate-case';

let rig: CaseRig;
const clusterPath = '/k8s/acme-payments-prod/us-central1/payments-prod';
const clientWrites = () => rig.lab.clusters.get(clusterPath)!.store.mutations.filter((m) => m.by === 'client');

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((error as WorkflowUpdateFailedError).cause as Error).message;
}

test('refused decisions say why and change nothing; a reasoned rejection closes the case with nothing changed', async () => {
  const { workflowId, runId, caseId } = await rig.ingest(rig.finding('Malicious Script Executed', 'gke'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  const planHash = ready.plan!.hash;
  const writesBefore = clientWrites().length;

  expect(await refusal(rig.decide(handle, { decision: 'approve', approver: 'mallory@evil.example', planHash }))).toMatch(/"mallory@evil.example" is not an authorized approver/);
  expect(await refusal(rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: 'f'.repeat(64) }))).toMatch(/stale plan/);
  expect(await refusal(rig.decide(handle, { decision: 'reject', approver: approvers.secops, planHash }))).toMatch(/a rejection needs a reason/);
  await rig.signalDecision(handle, { decision: 'approve', approver: 'mallory@evil.example', planHash });
  const afterSignal = await rig.waitFor(workflowId, runId, (s) => s.refused.length === 1);
  expect(afterSignal.refused[0]).toMatchObject({ via: 'signal', approver: 'mallory@evil.example', reason: expect.stringMatching(/not an authorized approver/) });
  expect(afterSignal.status).toBe('awaiting-decision');
  expect(afterSignal.decisions).toEqual([]);

  await rig.decide(handle, { decision: 'reject', approver: approvers.secops, reason: 'a deployment script we run on purpose', planHash, falsePositive: true });
  const closed = await handle.result();
  const inScc = rig.lab.scc.all().find((f) => String(f.finding.category).endsWith('Malicious Script Executed') && String(f.finding.resourceName).includes('container.googleapis'))!.finding;
  expect(inScc).toMatchObject({ mute: 'MUTED', state: 'INACTIVE', securityMarks: { marks: { scc_responder_status: 'rejected' } } });
  expect(closed).toMatchObject({ status: 'rejected', outcome: 'rejected', actions: [] });
  expect(clientWrites().length).toBe(writesBefore);
  const record = (await rig.store.getCase(caseId))!;
  expect(record.case).toMatchObject({ status: 'rejected', outcome: 'rejected' });
  expect(record.case.decision).toEqual([expect.objectContaining({ decision: 'reject', approver: approvers.secops, via: 'update', reason: 'a deployment script we run on purpose' })]);
  expect(record.timeline.filter((t) => t.kind === 'decision-refused')).toHaveLength(1);
});

test('no decision in time: escalated, then closed "not contained", with nothing changed', async () => {
  const writesBefore = clientWrites().length;
  const { workflowId, runId } = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'gke'), { escalateAfterMs: 400, expireAfterMs: 1500 });
  const closed = await rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId).result();
  expect(closed).toMatchObject({ status: 'expired', outcome: 'expired-not-contained', actions: [], decisions: [] });
  expect(clientWrites().length).toBe(writesBefore);

  // A decision that comes too late is refused by the server itself: the case no longer runs.
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  const late = { decision: 'approve' as const, approver: approvers.secops, planHash: closed.plan!.hash };
  await expect(rig.decide(handle, late)).rejects.toThrow(/workflow execution already completed/i);
  await expect(rig.signalDecision(handle, late)).rejects.toThrow(/workflow execution already completed/i);
  expect(clientWrites().length).toBe(writesBefore);
  expect((await rig.store.getCase(closed.caseId))!.case).toMatchObject({ status: 'expired', decision: null });
  const events = rig.notices.filter((n) => n.caseId === closed.caseId).map((n) => n.event);
  expect(events).toEqual(['ready-for-decision', 'escalated', 'expired']);
});

test('four eyes: the same approver twice is refused; a second person (by signal) completes the approval', async () => {
  const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'), { fourEyes: true });
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.pending).toEqual({ planHash: ready.plan!.hash, approvalsNeeded: 2 });
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  const first = await rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
  expect(first).toEqual({ status: 'awaiting-decision', approvalsNeeded: 1 });
  expect(await refusal(rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash }))).toMatch(/four-eyes: secops@acme.example already approved/);
  await rig.signalDecision(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
  const closed = await handle.result();
  expect(closed.outcome).toBe('contained');
  expect(closed.decisions.map((d) => [d.approver, d.via])).toEqual([
    [approvers.secops, 'update'],
    [approvers.lead, 'signal'],
  ]);
});

test('dry-run runs everything and applies nothing; what it says it would do is the plan, exactly', async () => {
  const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'cloud-run'), { dryRun: true });
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.plan!.dryRun).toBe(true);
  expect(ready.plan!.blastRadius).toMatchObject({ runtime: 'cloud-run', traffic: [{ revision: 'storefront-00042-qaz', percent: 100 }], ingress: 'INGRESS_TRAFFIC_ALL', revisions: 2 });
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
  const closed = await handle.result();
  expect(closed.outcome).toBe('dry-run');
  expect(closed.actions.map((a) => [a.status, a.detail])).toEqual(ready.plan!.actions.map((a) => ['dry-run', `would: ${a.effect}`]));
  const service = await rig.deps.clients.run.getService('acme-web-prod', 'europe-west1', 'storefront');
  expect(service.traffic).toEqual([{ revision: 'storefront-00042-qaz', percent: 100 }]);
});

test('an approval names one plan: when the pod changed while it waited, the case plans again and needs a new decision', async () => {
  // A rig of its own: the pod must be the one from the scenario, untouched by other cases.
  const rig = await startCaseRig();
  await rig.startWorker();
  const clientWrites = () => rig.lab.clusters.get(clusterPath)!.store.mutations.filter((m) => m.by === 'client');
  try {
    const { workflowId, runId, caseId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    const kube = rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' });
    const pod = ready.plan!.actions.find((a) => a.action === 'replace-pod')!.target as { namespace: string; name: string; resourceVersion: string };
    await kube.patchPodLabels(pod.namespace, pod.name, { 'changed-after-the-plan': 'yes' });
    const writesBefore = clientWrites().length;

    await rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
    const replanned = await rig.waitFor(workflowId, runId, (s) => s.status === 'awaiting-decision' && s.plan!.hash !== ready.plan!.hash);
    const target = replanned.plan!.actions.find((a) => a.action === 'replace-pod')!.target as { resourceVersion: string };
    expect(target.resourceVersion).not.toBe(pod.resourceVersion);
    expect(replanned.pending).toEqual({ planHash: replanned.plan!.hash, approvalsNeeded: 1 });
    expect(clientWrites().length).toBe(writesBefore);

    // The old approval does not carry over, and naming the old plan is refused.
    expect(await refusal(rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash }))).toMatch(/stale plan/);
    await rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: replanned.plan!.hash });
    const closed = await handle.result();
    expect(closed.outcome).toBe('contained');
    expect(clientWrites().filter((m) => m.verb === 'delete')).toEqual([{ verb: 'delete', resource: 'pods', namespace: pod.namespace, name: pod.name, by: 'client' }]);
    const timeline = (await rig.store.getCase(caseId))!.timeline;
    expect(timeline.filter((t) => t.kind === 'plan-changed').map((t) => t.detail)).toEqual([{ approvedHash: ready.plan!.hash, hash: replanned.plan!.hash, replans: 1 }]);
    expect(rig.notices.filter((n) => n.caseId === caseId).map((n) => n.event)).toEqual(['ready-for-decision', 'ready-for-decision', 'contained']);
    expect((await rig.store.verifyAudit(caseId)).intact).toBe(true);
  } finally {
    await rig.stop();
  }
});
