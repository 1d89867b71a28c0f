import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paymentsCluster, startTestLab } from '../../test/lab-harness';
import type { Lab } from '../lab/server';
import { InvalidTargetError, PermanentCloudError, TransientCloudError } from './errors';
import { KubernetesAdapter } from './kubernetes';

let lab: Lab;
let kube: KubernetesAdapter;
const unreachableGke = {
  controlPlane: () => Promise.reject(new Error('the GKE API is not for this test')),
  accessToken: () => Promise.reject(new Error('no token for this test')),
};
const compromised = 'checkout-api-7d9f8b6c5-x2k8q';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const gccSha = JSON.parse(readFileSync(join(__dirname, '../../samples/findings/gke-launch-code-compiler-tool.notification.json'), 'utf8')).finding.processes[0].binary.sha256;

beforeAll(async () => {
  ({ lab } = await startTestLab());
  kube = KubernetesAdapter.forCluster(paymentsCluster, { kubeconfigPath: lab.kubeconfigPath, gkeApi: false }, unreachableGke);
});

afterAll(async () => {
  await lab?.stop();
});

afterEach(() => lab.faults.set([]));

test('a node carries its GCE instance id annotation', async () => {
  const node = await kube.getNode('gke-payments-prod-default-pool-3f2a1b7c-9kdw');
  expect(node).toMatchObject({ instanceId: '5102938475610293847', zone: 'us-central1-a', unschedulable: false });
});

test('owner chains: Deployment through its ReplicaSet, StatefulSet, DaemonSet, Job and a bare pod', async () => {
  const chain = async (namespace: string, name: string) => (await kube.ownerChain(await kube.getPod(namespace, name))).map((o) => `${o.kind}/${o.name}`);
  expect(await chain('checkout', compromised)).toEqual(['ReplicaSet/checkout-api-7d9f8b6c5', 'Deployment/checkout-api']);
  expect(await chain('checkout', 'ledger-db-0')).toEqual(['StatefulSet/ledger-db']);
  expect(await chain('kube-system', 'node-agent-8xq2v')).toEqual(['DaemonSet/node-agent']);
  expect(await chain('checkout', 'nightly-reconcile-5w7tq')).toEqual(['Job/nightly-reconcile']);
  expect(await chain('default', 'debug-shell')).toEqual([]);
});

test('cases walking through one workload share its owner reads for a while; a scale through the adapter is read afresh, and 0 reads each time', async () => {
  const reads = () => (lab.operations['kubernetes get replicasets'] ?? 0) + (lab.operations['kubernetes get deployments'] ?? 0);
  const shared = KubernetesAdapter.forCluster(paymentsCluster, { kubeconfigPath: lab.kubeconfigPath, gkeApi: false }, unreachableGke, { ownerReadTtlMs: 60_000 });
  const pod = await shared.getPod('checkout', compromised);
  const before = reads();
  const chains = await Promise.all(Array.from({ length: 10 }, () => shared.ownerChain(pod)));
  expect(new Set(chains.map((chain) => JSON.stringify(chain))).size).toBe(1);
  expect(reads() - before).toBe(2);

  const replicas = chains[0]!.at(-1)!.replicas!;
  await shared.scale('Deployment', 'checkout', 'checkout-api', replicas + 1);
  try {
    expect((await shared.ownerChain(pod)).at(-1)).toMatchObject({ kind: 'Deployment', replicas: replicas + 1 });
    expect(reads() - before).toBe(3);
  } finally {
    await shared.scale('Deployment', 'checkout', 'checkout-api', replicas);
  }

  const uncached = KubernetesAdapter.forCluster(paymentsCluster, { kubeconfigPath: lab.kubeconfigPath, gkeApi: false }, unreachableGke, { ownerReadTtlMs: 0 });
  const start = reads();
  await uncached.ownerChain(pod);
  await uncached.ownerChain(pod);
  expect(reads() - start).toBe(4);
});

test("a workload's cases share its service account and its pod sample for a while; a pod write forgets the namespace's samples, and 0 reads each time", async () => {
  const ops = () => ({ accounts: lab.operations['kubernetes get serviceaccounts'] ?? 0, lists: lab.operations['kubernetes list pods'] ?? 0 });
  const shared = KubernetesAdapter.forCluster(paymentsCluster, { kubeconfigPath: lab.kubeconfigPath, gkeApi: false }, unreachableGke, { ownerReadTtlMs: 60_000 });
  const pod = await shared.getPod('checkout', compromised);
  const selector = Object.entries(pod.labels).filter(([key]) => key !== 'pod-template-hash').map(([k, v]) => `${k}=${v}`).join(',');
  const before = ops();
  // Each case plans in a view of its own moment: the views share the cluster's reads.
  const views = Array.from({ length: 5 }, () => shared.atOneMoment());
  const accounts = await Promise.all(views.map((view) => view.getServiceAccount('checkout', pod.serviceAccount ?? 'default')));
  const samples = await Promise.all(views.map((view) => view.samplePods('checkout', selector, 21)));
  expect(new Set(accounts.map((a) => JSON.stringify(a))).size).toBe(1);
  expect(samples[0]!.pods.map((p) => p.name)).toContain(compromised);
  expect(ops()).toEqual({ accounts: before.accounts + 1, lists: before.lists + 1 });
  // Another limit is another list.
  await shared.samplePods('checkout', selector, 2);
  expect(ops().lists).toBe(before.lists + 2);

  await shared.patchPodLabels('checkout', compromised, { 'scc-responder/sample-test': 'forgets' });
  try {
    const after = await shared.samplePods('checkout', selector, 21);
    expect(after.pods.find((p) => p.name === compromised)?.labels['scc-responder/sample-test']).toBe('forgets');
    expect(ops().lists).toBe(before.lists + 3);
    expect(ops().accounts).toBe(before.accounts + 1);
  } finally {
    await shared.patchPodLabels('checkout', compromised, { 'scc-responder/sample-test': null });
  }

  const uncached = KubernetesAdapter.forCluster(paymentsCluster, { kubeconfigPath: lab.kubeconfigPath, gkeApi: false }, unreachableGke, { ownerReadTtlMs: 0 });
  const start = ops();
  for (let i = 0; i < 2; i++) {
    await uncached.getServiceAccount('checkout', pod.serviceAccount ?? 'default');
    await uncached.samplePods('checkout', selector, 21);
  }
  expect(ops()).toEqual({ accounts: start.accounts + 2, lists: start.lists + 2 });
});

test('a view for one moment reads the pod once for all who ask, fresh after its own write; the adapter itself always reads', async () => {
  const podReads = () => lab.operations['kubernetes get pods'] ?? 0;
  const moment = kube.atOneMoment();
  const before = podReads();
  const seen = await Promise.all(Array.from({ length: 5 }, () => moment.getPod('default', 'debug-shell')));
  expect(new Set(seen.map((p) => p.resourceVersion)).size).toBe(1);
  expect(podReads() - before).toBe(1);

  await moment.patchPodLabels('default', 'debug-shell', { 'scc-responder/moment': 'one' }, seen[0]!.resourceVersion);
  const afterWrite = await moment.getPod('default', 'debug-shell');
  expect(afterWrite.labels['scc-responder/moment']).toBe('one');
  expect(afterWrite.resourceVersion).not.toBe(seen[0]!.resourceVersion);
  expect(podReads() - before).toBe(2);

  await kube.getPod('default', 'debug-shell');
  await kube.getPod('default', 'debug-shell');
  expect(podReads() - before).toBe(4);

  lab.faults.set([{ api: 'kubernetes', operation: 'get pods', latencyMs: 0, transientRate: 0, permanentStatus: 500 }]);
  const failing = kube.atOneMoment();
  await expect(failing.getPod('checkout', 'ledger-db-0')).rejects.toThrow();
  lab.faults.set([]);
  await expect(failing.getPod('checkout', 'ledger-db-0')).resolves.toMatchObject({ name: 'ledger-db-0' });
  await kube.patchPodLabels('default', 'debug-shell', { 'scc-responder/moment': null });
});

test("a first plan's view takes the pod as the pod step just read it; not past the TTL, nor after a write to that pod, nor in any other view", async () => {
  let clock = 1_000_000;
  const shared = KubernetesAdapter.forCluster(paymentsCluster, { kubeconfigPath: lab.kubeconfigPath, gkeApi: false }, unreachableGke, { ownerReadTtlMs: 15_000, now: () => clock });
  const podReads = () => lab.operations['kubernetes get pods'] ?? 0;
  const before = podReads();
  const stepRead = await shared.getPod('default', 'debug-shell');
  const firstPlan = await shared.atOneMoment({ podsReadWithinTtl: true }).getPod('default', 'debug-shell');
  expect(firstPlan.resourceVersion).toBe(stepRead.resourceVersion);
  expect(podReads() - before).toBe(1);

  // A plan made again, and any read outside a first plan, asks the API.
  await shared.atOneMoment().getPod('default', 'debug-shell');
  await shared.getPod('default', 'debug-shell');
  expect(podReads() - before).toBe(3);

  // Past the TTL the first plan reads it too.
  clock += 15_000;
  await shared.atOneMoment({ podsReadWithinTtl: true }).getPod('default', 'debug-shell');
  expect(podReads() - before).toBe(4);

  // A write to the pod through the adapter: the next first plan sees the pod as it is now.
  const labelled = await shared.patchPodLabels('default', 'debug-shell', { 'scc-responder/first-plan': 'seen' });
  const afterWrite = await shared.atOneMoment({ podsReadWithinTtl: true }).getPod('default', 'debug-shell');
  expect(afterWrite.resourceVersion).toBe(labelled.resourceVersion);
  expect(afterWrite.labels['scc-responder/first-plan']).toBe('seen');
  expect(podReads() - before).toBe(5);
  await shared.patchPodLabels('default', 'debug-shell', { 'scc-responder/first-plan': null });
});

test('a view for one moment reads a Deployment once for the checks and the plan that ask, and afresh after it patched the template', async () => {
  const deploymentReads = () => lab.operations['kubernetes get deployments'] ?? 0;
  const moment = kube.atOneMoment();
  const before = deploymentReads();
  const seen = await Promise.all(Array.from({ length: 3 }, () => moment.getDeployment('checkout', 'checkout-api')));
  expect(new Set(seen.map((d) => d.resourceVersion)).size).toBe(1);
  expect(deploymentReads() - before).toBe(1);

  const { template, uid, generation } = seen[0]!;
  const labelled = { ...template, metadata: { ...template.metadata, annotations: { ...template.metadata?.annotations, 'scc-responder/moment': 'one' } } };
  const patched = await moment.setDeploymentTemplate('checkout', 'checkout-api', labelled, { uid, generation });
  try {
    expect(patched.generation).toBeGreaterThan(generation);
    expect((await moment.getDeployment('checkout', 'checkout-api')).resourceVersion).toBe(patched.resourceVersion);
    expect(deploymentReads() - before).toBe(2);
    await kube.getDeployment('checkout', 'checkout-api');
    await kube.getDeployment('checkout', 'checkout-api');
    expect(deploymentReads() - before).toBe(4);
  } finally {
    await kube.setDeploymentTemplate('checkout', 'checkout-api', template, { uid, generation: patched.generation });
  }
});

test('exec streams a binary out, hashed while streaming, matching the finding', async () => {
  const result = await kube.execute('checkout', compromised, 'api', ['cat', '/usr/bin/gcc-12']);
  expect(result.exitCode).toBe(0);
  expect(result.stdoutSha256).toBe(gccSha);
  expect(sha256(result.stdout)).toBe(gccSha);
});

test('exec reports exit codes, stderr, a cap, and a command that cannot start', async () => {
  const missing = await kube.execute('checkout', compromised, 'api', ['cat', '/nonexistent']);
  expect(missing).toMatchObject({ exitCode: 1, stderr: 'cat: /nonexistent: No such file or directory\n' });

  const capped = await kube.execute('checkout', compromised, 'api', ['cat', '/tmp/.cache/kworkerd'], 1000);
  expect(capped).toMatchObject({ stdoutTruncated: true, stdoutBytes: 16391 });
  expect(capped.stdout).toHaveLength(1000);

  const distroless = await kube.execute('kube-system', 'node-agent-8xq2v', 'agent', ['cat', '/agent']);
  expect(distroless.exitCode).toBe(126);
  expect(distroless.notStarted).toMatch(/executable file not found/);
});

test('an ephemeral container reads a distroless container’s files through /proc/PID/root', async () => {
  const pod = await kube.addEphemeralContainer('kube-system', 'node-agent-8xq2v', { name: 'scc-capture-1', image: 'docker.io/library/busybox:1.36', targetContainerName: 'agent' });
  expect(pod.ephemeralContainers).toEqual([expect.objectContaining({ name: 'scc-capture-1', targetContainerName: 'agent', running: true })]);
  const result = await kube.execute('kube-system', 'node-agent-8xq2v', 'scc-capture-1', ['cat', '/proc/1/root/agent']);
  expect(result.exitCode).toBe(0);
  expect(result.stdout.toString()).toMatch(/^\x7fELFagent/);
});

test('label patches are merge patches, refused when the pod moved on since it was read', async () => {
  const before = await kube.getPod('default', 'debug-shell');
  const after = await kube.patchPodLabels('default', 'debug-shell', { 'scc-responder/quarantine': 'case-1' }, before.resourceVersion);
  expect(after.labels).toEqual({ run: 'debug-shell', 'scc-responder/quarantine': 'case-1' });
  await expect(kube.patchPodLabels('default', 'debug-shell', { extra: 'x' }, before.resourceVersion)).rejects.toThrow(PermanentCloudError);
  await expect(kube.patchPodLabels('default', 'debug-shell', { extra: 'x' }, before.resourceVersion)).rejects.toThrow(/the object has been modified/);
});

test("network policies can be listed, created and deleted; a namespace's list is shared until the adapter's own create or delete", async () => {
  const lists = () => lab.operations['kubernetes list networkpolicies'] ?? 0;
  const before = lists();
  expect((await kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
  expect((await kube.atOneMoment().listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
  expect(lists()).toBe(before + 1);
  await kube.createNetworkPolicy('checkout', { metadata: { name: 'scc-deny-all' }, spec: { podSelector: { matchLabels: { quarantine: 'x' } }, policyTypes: ['Ingress', 'Egress'] } });
  expect((await kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend', 'scc-deny-all']);
  await kube.deleteNetworkPolicy('checkout', 'scc-deny-all');
  expect(await kube.listNetworkPolicies('checkout')).toHaveLength(1);
  expect(lists()).toBe(before + 3);
});

test('deleting a ReplicaSet pod makes its controller start a clean replacement; a stale UID is refused', async () => {
  const victim = await kube.getPod('checkout', 'checkout-api-7d9f8b6c5-lq4zp');
  await expect(kube.deletePod('checkout', victim.name, { uid: 'not-the-uid' })).rejects.toThrow(/Precondition failed/);
  await kube.deletePod('checkout', victim.name, { uid: victim.uid, resourceVersion: victim.resourceVersion });
  const pods = await kube.listPods('checkout', 'app=checkout-api');
  expect(pods).toHaveLength(2);
  const replacement = pods.find((pod) => pod.name !== compromised)!;
  expect(replacement.name).toMatch(/^checkout-api-7d9f8b6c5-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  expect(replacement.owner).toMatchObject({ kind: 'ReplicaSet', name: 'checkout-api-7d9f8b6c5' });
  // A fresh container starts from the image: the attacker's script is not there.
  const script = await kube.execute('checkout', replacement.name, 'api', ['cat', '/tmp/.x-install.sh']);
  expect(script.exitCode).toBe(1);
  await expect(kube.getPod('checkout', victim.name)).rejects.toThrow(/not found/);
});

test('hostile names are refused before any request leaves', async () => {
  const before = lab.calls.kubernetes;
  await expect(kube.getPod('checkout', 'x; rm -rf /')).rejects.toThrow(InvalidTargetError);
  await expect(kube.getPod('../kube-system', 'pod')).rejects.toThrow(InvalidTargetError);
  await expect(kube.execute('checkout', compromised, 'api?command=sh', ['cat', '/etc/passwd'])).rejects.toThrow(InvalidTargetError);
  await expect(kube.getNode('node/../../secrets')).rejects.toThrow(InvalidTargetError);
  expect(lab.calls.kubernetes).toBe(before);
});

test('injected 429/503 are transient, 403/404 permanent', async () => {
  lab.faults.set([{ api: 'kubernetes', transientRate: 1, latencyMs: 0 }]);
  await expect(kube.getPod('checkout', compromised)).rejects.toThrow(TransientCloudError);
  lab.faults.set([{ api: 'kubernetes', pathContains: '/nodes/', permanentStatus: 403, transientRate: 0, latencyMs: 0 }]);
  const error = await kube.getNode('gke-payments-prod-default-pool-3f2a1b7c-9kdw').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PermanentCloudError);
  expect(error).toMatchObject({ status: '403', retryable: false });
  await expect(kube.getPod('checkout', compromised)).resolves.toMatchObject({ name: compromised });
});
