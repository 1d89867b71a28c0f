import type { investigateCase } from '../../src/workflows/investigate-case';
import { type CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { scenarioFinding, variantOf, type Variant } from '../fixtures/finding-variants';

/**
 * Findings about subjects the lab does not hold, as real findings often are by the time their case
 * runs: a cluster the worker cannot reach, a pod that never was there, a Cloud Run service that
 * is gone, a pod deleted between intake and capture. Every category on each: the case reaches a
 * person with a plan for what is still possible, and the reasons for the rest.
 */

const categories = ['Launch Code Compiler Tool In Container', 'Malicious Script Executed', 'Added Binary Executed', 'Netcat Remote Code Execution In Container'] as const;
const short = ['compiler', 'script', 'binary', 'netcat'] as const;
/** Pods the lab holds, one per category, each deleted after intake: two of a Deployment's, a bare pod, a DaemonSet's. */
const deletedPods = [
  { namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-x2k8q', container: 'api', owner: 'Deployment' },
  { namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-lq4zp', container: 'api', owner: 'Deployment' },
  { namespace: 'default', pod: 'debug-shell', container: 'shell', owner: undefined },
  { namespace: 'kube-system', pod: 'node-agent-8xq2v', container: 'agent', owner: 'DaemonSet' },
] as const;

type Kind = 'unknown-cluster' | 'unknown-pod' | 'deleted-pod' | 'unknown-service';

interface Started {
  kind: Kind;
  category: number;
  workflowId: string;
  runId: string;
  caseId: string;
}

let rig: CaseRig;
const started: Started[] = [];
const ready = new Map<string, CaseSnapshot>();

beforeAll(async () => {
  rig = await startCaseRig({ escalateAfterMs: 3_600_000, expireAfterMs: 7_200_000 });
  const variants: { kind: Kind; category: number; runtime: 'gke' | 'cloud-run'; variant: Variant }[] = [];
  categories.forEach((_, i) => {
    variants.push({ kind: 'unknown-cluster', category: i, runtime: 'gke', variant: { suffix: `uc${i}`, cluster: 'ghost-cluster', pod: `ghost-${short[i]}` } });
    variants.push({ kind: 'unknown-pod', category: i, runtime: 'gke', variant: { suffix: `up${i}`, pod: `phantom-${short[i]}` } });
    variants.push({ kind: 'deleted-pod', category: i, runtime: 'gke', variant: { suffix: `dp${i}`, ...deletedPods[i]! } });
    variants.push({ kind: 'unknown-service', category: i, runtime: 'cloud-run', variant: { suffix: `us${i}`, service: `ghost-${short[i]}`, revision: `ghost-${short[i]}-00001-abc` } });
  });
  // Ingested while no worker runs: the deleted pods are gone before any case looks at them.
  for (const { kind, category, runtime, variant } of variants) {
    const ingested = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, categories[category]!, runtime), variant));
    started.push({ kind, category, ...ingested });
  }
  const kube = rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' });
  for (const { namespace, pod } of deletedPods) {
    const current = await kube.getPod(namespace, pod);
    await kube.deletePod(namespace, pod, { uid: current.uid });
  }
  await rig.startWorker();
  for (const s of started) ready.set(s.caseId, await rig.waitForStatus(s.workflowId, s.runId, 'awaiting-decision', 120_000));
}, 300_000);

afterAll(async () => {
  await rig?.stop();
}, 180_000);

const of = (kind: Kind) => started.filter((s) => s.kind === kind).map((s) => ({ ...s, ready: ready.get(s.caseId)! }));
const destructive = (snapshot: CaseSnapshot) => snapshot.plan!.actions.filter((a) => a.destructive);
/** A reverse shell's node is cordoned whether or not its pod is still there: the node still is. */
const nodeStep = (category: number) => (short[category] === 'netcat' ? ['cordon-node'] : []);
const manual = (snapshot: CaseSnapshot) => snapshot.plan!.manualSteps ?? [];

test('an unknown cluster: every category reaches a decision on a plan that contains nothing, with the manual steps and the reasons', () => {
  for (const { ready: snapshot } of of('unknown-cluster')) {
    expect(destructive(snapshot)).toEqual([]);
    expect(manual(snapshot).join('\n')).toMatch(/Contact .* in pod checkout\/ghost-.* \(cluster ghost-cluster\)/);
    expect(snapshot.steps.find((s) => s.step === 'cluster-and-node')).toMatchObject({ outcome: 'gap', gap: { service: 'gke', operation: 'get cluster', status: 'NOT_FOUND' } });
    expect(snapshot.steps.find((s) => s.step === 'pod')).toMatchObject({ outcome: 'gap', gap: { service: 'kubernetes', operation: 'connect' } });
    expect(snapshot.plan!.notes.join('\n')).toMatch(/cannot be planned: kubernetes connect .*the GKE API did not give this cluster's control plane: .*Not found/);
  }
});

test('a pod that never was there: a plan that contains nothing, saying the pod does not exist', () => {
  for (const { category, ready: snapshot } of of('unknown-pod')) {
    expect(destructive(snapshot).map((a) => a.action)).toEqual(nodeStep(category));
    expect(snapshot.steps.find((s) => s.step === 'pod')).toMatchObject({ outcome: 'gap', gap: { service: 'kubernetes', operation: 'get pod', status: '404' } });
    expect(snapshot.plan!.notes.join('\n')).toMatch(/no longer exists/);
    expect(manual(snapshot).length > 3).toBe(nodeStep(category).length === 0);
  }
});

test("a pod deleted after intake: the plan acts on the Deployment that still runs its template, and says nothing can for a bare pod or a DaemonSet's", () => {
  for (const { category, ready: snapshot } of of('deleted-pod')) {
    const { owner } = deletedPods[category]!;
    expect(snapshot.steps.find((s) => s.step === 'capture')!.summary).toMatch(/the pod is gone|no longer exists/);
    if (owner === 'Deployment') {
      expect(destructive(snapshot).map((a) => [a.action, a.target.kind === 'workload' && a.target.name])).toEqual([['scale-workload-to-zero', 'checkout-api']]);
      expect(snapshot.plan!.notes.join('\n')).toMatch(/is gone, but Deployment checkout-api that ran it still runs the same template/);
      expect(manual(snapshot)).toEqual([]);
    } else {
      expect(destructive(snapshot).map((a) => a.action)).toEqual(nodeStep(category));
      expect(manual(snapshot).length > 3).toBe(nodeStep(category).length === 0);
    }
  }
});

test('a Cloud Run service that is gone: a plan that contains nothing, with the service read named as the gap', () => {
  for (const { ready: snapshot } of of('unknown-service')) {
    expect(destructive(snapshot)).toEqual([]);
    expect(snapshot.steps.find((s) => s.step === 'cloud-run')).toMatchObject({ outcome: 'gap', gap: { service: 'run', operation: 'get service' } });
    expect(manual(snapshot).join('\n')).toMatch(/gcloud run services describe ghost-/);
  }
});

test('a plan that contains nothing: close needs a reason and closes it; approve closes it with nothing contained (the owner told); reject ends it', async () => {
  const [closed, kept, rejected] = of('unknown-cluster');
  const handle = (s: Started) => rig.env.client.workflow.getHandle<typeof investigateCase>(s.workflowId, s.runId);
  await expect(rig.decide(handle(closed!), { decision: 'close', approver: approvers.lead, planHash: closed!.ready.plan!.hash })).rejects.toThrow();
  await rig.decide(handle(closed!), { decision: 'close', approver: approvers.lead, reason: 'the cluster was decommissioned', planHash: closed!.ready.plan!.hash });
  expect(await handle(closed!).result()).toMatchObject({ status: 'closed', outcome: 'closed-by-responder' });
  expect((await rig.store.caseById(closed!.caseId))!).toMatchObject({ status: 'closed', outcome: 'closed-by-responder' });

  await rig.decide(handle(kept!), { decision: 'approve', approver: approvers.lead, planHash: kept!.ready.plan!.hash });
  expect(await handle(kept!).result()).toMatchObject({ status: 'closed', outcome: 'nothing-to-do' });

  await rig.decide(handle(rejected!), { decision: 'reject', approver: approvers.lead, reason: 'a test cluster', planHash: rejected!.ready.plan!.hash });
  expect(await handle(rejected!).result()).toMatchObject({ status: 'rejected' });
});

test('kept under watch: a finding that joins makes a new plan for a decision, and close ends it', async () => {
  const watched = of('unknown-pod')[0]!;
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(watched.workflowId, watched.runId);
  await expect(rig.decide(handle, { decision: 'watch', approver: approvers.secops, planHash: watched.ready.plan!.hash })).resolves.toMatchObject({ approvalsNeeded: 0 });
  await rig.waitForStatus(watched.workflowId, watched.runId, 'watching');
  // Another finding on the same pod joins the case.
  const joining = variantOf(scenarioFinding(rig.lab.scenario, 'Malicious Script Executed', 'gke'), { suffix: 'upjoin', pod: 'phantom-compiler' });
  expect((await rig.ingest(joining)).workflowId).toBe(watched.workflowId);
  const replanned = await rig.waitFor(watched.workflowId, watched.runId, (s) => s.status === 'awaiting-decision' && s.findings.length === 2 && s.plan!.hash !== watched.ready.plan!.hash, 60_000);
  await rig.decide(handle, { decision: 'close', approver: approvers.secops, reason: 'the pod never existed in this cluster', planHash: replanned.plan!.hash });
  expect(await handle.result()).toMatchObject({ status: 'closed', outcome: 'closed-by-responder' });
  const record = (await rig.store.getCase(watched.caseId))!;
  expect(record.findings.map((f) => f.finding_name).sort()).toEqual([watched.ready.findings[0]!.name, joining.finding.name].sort());
  expect(record.timeline.filter((t) => t.kind === 'decision').map((t) => t.outcome)).toEqual(['watch', 'close']);
});

test('the Deployment that still runs a deleted pod’s template is scaled to zero once approved', async () => {
  const deleted = of('deleted-pod')[0]!;
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(deleted.workflowId, deleted.runId);
  await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: deleted.ready.plan!.hash });
  expect(await handle.result()).toMatchObject({ status: 'contained', outcome: 'contained' });
  const scale = await rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' }).readScale('Deployment', 'checkout', 'checkout-api');
  expect(scale.replicas).toBe(0);
});
