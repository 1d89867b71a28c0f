import type { WorkflowHandle } from '@temporalio/client';
import type { FaultRule } from '../../src/lab/scenario';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { type CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { scenarioFinding, variantOf } from '../fixtures/finding-variants';
import { paymentsCluster } from '../lab-harness';

/**
 * The ways a case ends that the happy path never shows, each taken to its end on the real stack:
 * an action that fails, a world that will not hold still, SCC refusing to hear the outcome, an
 * escalation that is answered, a rejection by signal, and a new finding after the case closed.
 */

let rig: CaseRig;
const cluster = () => rig.lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!;
const kube = () => rig.deps.clients.kubernetes(paymentsCluster);
const writesBy = (verb: string) => cluster().store.mutations.filter((m) => m.by === 'client' && m.verb === verb);
const refusalOf = (status: 403, api: FaultRule['api'], operation: string): FaultRule => ({ api, operation, permanentStatus: status, latencyMs: 0, transientRate: 0 });
const handleOf = (c: { workflowId: string; runId: string }): WorkflowHandle<typeof investigateCase> => rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId);
const eventsOf = (caseId: string) => rig.notices.filter((n) => n.caseId === caseId).map((n) => n.event);

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterEach(() => rig.lab.faults.set([]));

afterAll(async () => {
  await rig?.stop();
});

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function approve(c: { workflowId: string; runId: string }, ready: CaseSnapshot): Promise<void> {
  await rig.decide(handleOf(c), { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
}

test('an action that fails leaves the case partially contained: the rest applied, the failure a gap naming the permission, the owner told so', async () => {
  const parsed = rig.finding('Netcat Remote Code Execution In Container', 'gke');
  const node = (parsed.finding.subject as { node: string }).node;
  const c = await rig.ingest(parsed);
  const ready = await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision');
  expect(ready.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod', 'cordon-node', 'revoke-workload-identity']);
  // Only the cordon's write is refused: the re-plan before acting still reads the node.
  rig.lab.faults.set([refusalOf(403, 'kubernetes', 'patch nodes')]);

  await approve(c, ready);
  const closed = await handleOf(c).result();

  expect(rig.lab.faults.served()[0]!.served).toBeGreaterThan(0);
  expect(closed).toMatchObject({ status: 'failed', outcome: 'partially-contained' });
  expect(closed.actions.map((a) => [a.action, a.status])).toEqual([
    ['notify-owner', 'applied'],
    ['replace-pod', 'applied'],
    ['cordon-node', 'failed'],
    ['revoke-workload-identity', 'applied'],
  ]);
  expect((await kube().getNode(node)).unschedulable).toBe(false);
  const gap = closed.gaps!.find((g) => g.step === 'containment')!;
  expect(gap).toMatchObject({ service: 'kubernetes', operation: 'cordon node', status: '403', permission: expect.stringContaining('patch nodes') });
  expect(closed.actions.find((a) => a.action === 'cordon-node')!.detail).toBe(gap.reason);

  const record = (await rig.store.getCase(c.caseId))!;
  expect(record.case).toMatchObject({ status: 'failed', outcome: 'partially-contained' });
  expect(record.timeline.filter((t) => t.kind === 'gap').map((t) => t.detail)).toContainEqual(expect.objectContaining({ step: 'containment', permission: gap.permission }));
  expect(record.actions.map((a) => [a.action, a.status]).sort()).toEqual([
    ['notify-owner', 'applied'],
    ['replace-pod', 'applied'],
    ['revoke-workload-identity', 'applied'],
  ]);
  // The last word to the owner is that containment is incomplete, never that it is done.
  expect(eventsOf(c.caseId)).toEqual(['ready-for-decision', 'partially-contained']);
  expect((await rig.store.verifyAudit(c.caseId)).intact).toBe(true);
});

test('a plan that keeps changing under its approvals is given up after three re-plans, with nothing changed', async () => {
  const parsed = rig.finding('Malicious Script Executed', 'gke');
  const { namespace, pod } = parsed.finding.subject as { namespace: string; pod: string };
  const c = await rig.ingest(parsed);
  let ready = await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision');
  const hashes = [ready.plan!.hash];
  for (let change = 1; change <= 4; change++) {
    await kube().patchPodLabels(namespace, pod, { 'changed-under-the-plan': String(change) });
    await approve(c, ready);
    if (change === 4) break;
    ready = await rig.waitFor(c.workflowId, c.runId, (s) => s.status === 'awaiting-decision' && s.plan!.hash !== hashes.at(-1));
    hashes.push(ready.plan!.hash);
  }
  const closed = await handleOf(c).result();

  expect(closed).toMatchObject({ status: 'failed', outcome: 'plan-kept-changing', actions: [] });
  expect(new Set(hashes).size).toBe(4);
  expect(writesBy('delete').filter((m) => m.name === pod)).toEqual([]);
  const record = (await rig.store.getCase(c.caseId))!;
  expect(record.case).toMatchObject({ status: 'failed', outcome: 'plan-kept-changing' });
  expect(record.timeline.filter((t) => t.kind === 'plan-changed').map((t) => (t.detail as { replans: number }).replans)).toEqual([1, 2, 3]);
  expect(eventsOf(c.caseId)).toEqual(['ready-for-decision', 'ready-for-decision', 'ready-for-decision', 'ready-for-decision', 'expired']);
});

test('SCC refusing to hear the outcome is a gap naming the permission; the case is contained all the same', async () => {
  const c = await rig.ingest(rig.finding('Malicious Script Executed', 'cloud-run'));
  const ready = await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision');
  // The case tells SCC it awaits a decision just after presenting the plan: only the closing write-back is refused here.
  await until(async () => (await rig.store.getCase(c.caseId))!.timeline.some((t) => t.kind === 'scc-write-back'));
  rig.lab.faults.set([refusalOf(403, 'scc', 'securityMarks.update')]);

  await approve(c, ready);
  const closed = await handleOf(c).result();

  expect(closed).toMatchObject({ status: 'contained', outcome: 'contained' });
  expect(closed.gaps!.filter((g) => g.step === 'scc-write-back')).toEqual([
    expect.objectContaining({ service: 'scc', operation: 'update security marks', status: 'PERMISSION_DENIED', permission: expect.stringContaining('securitycenter.securitymarks.update') }),
  ]);
  // Nothing after the refused mark was written either: SCC still holds the finding as it was.
  const inScc = rig.lab.scc.all().find((f) => f.finding.name === closed.findings[0]!.name)!.finding;
  expect(inScc.state).toBe('ACTIVE');
  expect((inScc.securityMarks as { marks?: Record<string, string> } | undefined)?.marks?.scc_responder_status).toBe('awaiting_decision');
  const record = (await rig.store.getCase(c.caseId))!;
  expect(record.case).toMatchObject({ status: 'contained', outcome: 'contained' });
  expect(record.timeline.filter((t) => t.kind === 'gap').map((t) => t.step)).toEqual(['scc-write-back']);
  expect(record.timeline.filter((t) => t.kind === 'scc-write-back').map((t) => t.outcome)).toEqual(['awaiting-decision']);
});

test('an approval that arrives while a refused write-back is being recorded is acted on at once, not at escalation', async () => {
  // The opening write-back is slow and refused: the approval is taken in by the write that records its gap, before the wait begins.
  rig.lab.faults.set([{ ...refusalOf(403, 'scc', 'securityMarks.update'), latencyMs: 3000 }]);
  // A finding of its own on a pod still running (the re-plan test above changed it, and deleted nothing).
  const c = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Malicious Script Executed', 'gke'), { suffix: 'late' }), { escalateAfterMs: 600_000, expireAfterMs: 1_200_000 });
  const ready = await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision');
  await approve(c, ready);
  const closed = await handleOf(c).result();
  expect(closed).toMatchObject({ status: 'contained', outcome: 'contained' });
  expect(closed.gaps!.filter((g) => g.step === 'scc-write-back').length).toBeGreaterThan(0);
  expect(eventsOf(c.caseId)).toEqual(['ready-for-decision', 'contained']);
}, 90_000);

test('rejected by signal: closed with nothing changed; a new finding on the same subject opens a new case, which is escalated, then approved', async () => {
  const entry = scenarioFinding(rig.lab.scenario, 'Launch Code Compiler Tool In Container', 'gke');
  const first = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
  const ready = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  const deletesBefore = writesBy('delete').length;

  await rig.signalDecision(handleOf(first), { decision: 'reject', approver: approvers.lead, reason: 'a build step we run on purpose', planHash: ready.plan!.hash });
  const rejected = await handleOf(first).result();
  expect(rejected).toMatchObject({ status: 'rejected', outcome: 'rejected', actions: [] });
  expect(rejected.decisions).toEqual([expect.objectContaining({ decision: 'reject', approver: approvers.lead, via: 'signal', reason: 'a build step we run on purpose' })]);
  expect(writesBy('delete')).toHaveLength(deletesBefore);
  const rejectedRecord = (await rig.store.getCase(first.caseId))!;

  const second = await rig.ingest(variantOf(entry, { suffix: 'again' }), { escalateAfterMs: 300, expireAfterMs: 600_000 });
  expect(second).toMatchObject({ workflowId: first.workflowId, duplicate: false });
  expect(second.runId).not.toBe(first.runId);
  expect(second.caseId).not.toBe(first.caseId);
  const waiting = await rig.waitFor(second.workflowId, second.runId, (s) => s.status === 'escalated' && eventsOf(second.caseId).includes('escalated'));
  expect(waiting.pending).toEqual({ planHash: waiting.plan!.hash, approvalsNeeded: 1 });
  expect(waiting.findings.map((f) => f.name)).toEqual([`${String(entry.finding.name)}again`]);

  await approve(second, waiting);
  const contained = await handleOf(second).result();
  expect(contained).toMatchObject({ status: 'contained', outcome: 'contained' });
  expect(eventsOf(second.caseId)).toEqual(['ready-for-decision', 'escalated', 'contained']);
  expect(writesBy('delete').length).toBeGreaterThan(deletesBefore);

  // The rejected case is as it was closed: the new one neither reopened nor rewrote it.
  const after = (await rig.store.getCase(first.caseId))!;
  expect(after.case).toMatchObject({ status: 'rejected', outcome: 'rejected', closed_at: rejectedRecord.case.closed_at });
  expect(after.findings.map((f) => f.finding_name)).toEqual(rejectedRecord.findings.map((f) => f.finding_name));
  expect(after.timeline).toHaveLength(rejectedRecord.timeline.length);
}, 150_000);
