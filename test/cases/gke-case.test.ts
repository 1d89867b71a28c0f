import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { investigateCase } from '../../src/workflows/investigate-case';

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

test('a GKE compiler finding: seven steps, a plan, approval, the pod replaced, the case recorded', async () => {
  const parsed = rig.finding('Launch Code Compiler Tool In Container', 'gke');
  const { caseId, workflowId, runId, duplicate } = await rig.ingest(parsed);
  expect(duplicate).toBe(false);

  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.caseId).toBe(caseId);
  expect(ready.steps.map((s) => [s.step, s.outcome])).toEqual([
    // Volatile first: the running process, the pod, the node, then logs and the finding review.
    ['capture', 'ok'],
    ['pod', 'ok'],
    ['cluster-and-node', 'ok'],
    ['logs', 'ok'],
    ['review', 'ok'],
    ['research', 'ok'],
  ]);
  const plan = ready.plan!;
  expect(plan.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod']);
  expect(ready.pending).toEqual({ planHash: plan.hash, approvalsNeeded: 1 });
  expect(plan.blastRadius).toMatchObject({
    runtime: 'gke',
    owners: [{ kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5', replicas: 2 }, { kind: 'Deployment', name: 'checkout-api', replicas: 2 }],
    recreatedFromSameImage: true,
    siblingPods: ['checkout-api-7d9f8b6c5-lq4zp'],
    siblingPodCount: 1,
    networkPolicyEnforced: true,
    selectingNetworkPolicies: ['allow-frontend'],
  });
  expect(plan.blastRadius!.notes).toEqual(expect.arrayContaining([expect.stringContaining('recreates the pod from the same image'), expect.stringContaining('keep traffic open')]));

  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  await rig.decide(handle, { decision: 'approve', approver: approvers.secops, reason: 'compiler in prod', planHash: plan.hash });
  const closed = await handle.result();
  expect(closed.outcome).toBe('contained');
  expect(closed.actions.map((a) => [a.action, a.status])).toEqual([
    ['notify-owner', 'applied'],
    ['replace-pod', 'applied'],
  ]);

  // The lab's state shows the containment: the pod is gone and its ReplicaSet replaced it.
  const kube = rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' });
  await expect(kube.getPod('checkout', 'checkout-api-7d9f8b6c5-x2k8q')).rejects.toThrow(/not found/);
  expect((await kube.listPods('checkout', 'app=checkout-api')).length).toBe(2);

  const record = (await rig.store.getCase(caseId))!;
  expect(record.case).toMatchObject({ status: 'contained', outcome: 'contained', plan_hash: plan.hash });
  expect(record.case.ready_at && record.case.decided_at && record.case.contained_at).toBeTruthy();
  expect(record.findings.map((f) => f.finding_name)).toContain(parsed.finding.name);
  const binary = record.evidence.find((e) => e.kind === 'binary')!;
  // Chain of custody: what, where from, who, when, and the finding it came out of.
  expect(binary).toMatchObject({
    sha256: parsed.finding.processes[0]!.binary!.sha256,
    hash_check: 'match',
    parent_sha256: parsed.finding.intake.rawSha256,
    collector: 'test-worker',
    source: expect.objectContaining({ podUid: expect.any(String), container: 'api', path: parsed.finding.processes[0]!.binary!.path }),
  });
  expect(record.findings.find((f) => f.finding_name === parsed.finding.name)!.raw_sha256).toBe(binary.parent_sha256);
  expect(record.evidence.some((e) => e.kind === 'logs')).toBe(true);
  expect(record.timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(['opened', 'finding', 'step', 'plan', 'decision', 'status', 'notice']));
  expect(rig.notices.map((n) => n.event)).toEqual(expect.arrayContaining(['ready-for-decision', 'owner-notice', 'contained']));

  // SCC hears back: every finding of the case is marked with it, and INACTIVE once contained.
  const inScc = rig.lab.scc.all().find((f) => f.finding.name === parsed.finding.name)!.finding;
  expect(inScc.state).toBe('INACTIVE');
  expect((inScc.securityMarks as { marks: Record<string, string> }).marks).toEqual({ scc_responder_case: caseId.replace(/-/g, '_'), scc_responder_status: 'contained' });
});
