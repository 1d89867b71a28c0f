import { randomBytes } from 'node:crypto';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { createCloudClients, PermanentCloudError, TransientCloudError, type CloudClients } from '../../src/cloud';
import type { CloudTarget } from '../../src/cloud/config';
import { loadScenario, type Scenario } from '../../src/lab/scenario';
import { startLab, type Lab } from '../../src/lab/server';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { approvers, startCaseRig } from '../case-rig';
import { paymentsCluster } from '../lab-harness';
import { rbacDocuments, workerIdentity } from './backends';
import { startControlPlane, type ControlPlane } from './control-plane';
import { loadScenarioCluster } from './scenario-cluster';

/**
 * Two real API servers as two GKE clusters with the same workloads (the same pod names, as two
 * clusters of one team have): the worker runs in `security-tools` and the finding is from
 * `payments-prod`. The worker must reach the finding's cluster and only it; each API server's
 * audit log is the witness.
 */

const ownCluster = { project: 'acme-payments-prod', location: 'us-central1', name: 'security-tools' };
const suspect = 'checkout-api-7d9f8b6c5-x2k8q';
let token: string;
let own: ControlPlane;
let findings: ControlPlane;
let scenario: Scenario;

const workerRequests = (plane: ControlPlane) => plane.audit().filter((e) => e.user === workerIdentity && e.resource !== 'selfsubjectaccessreviews');

beforeAll(async () => {
  token = `lab-${randomBytes(16).toString('hex')}`;
  const base = loadScenario();
  const payments = base.clusters.find((c) => c.name === paymentsCluster.name)!;
  [own, findings] = await Promise.all([startControlPlane({ name: 'security-tools', identities: [{ token, user: workerIdentity }] }), startControlPlane({ name: 'payments-prod', identities: [{ token, user: workerIdentity }] })]);
  for (const plane of [own, findings]) {
    const objects = KubernetesObjectApi.makeApiClient(plane.admin);
    for (const object of rbacDocuments()) await objects.create(object);
    await loadScenarioCluster(plane, payments);
  }
  scenario = {
    ...base,
    clusters: [
      { ...payments, controlPlane: { endpoint: findings.endpoint, caCertificate: findings.caCertificate } },
      { ...payments, ...ownCluster, controlPlane: { endpoint: own.endpoint, caCertificate: own.caCertificate } },
    ],
  };
}, 120_000);

afterAll(async () => {
  await Promise.all([own?.stop(), findings?.stop()]);
}, 180_000);

test('a finding from another cluster is investigated and contained there, and its twin pod on the worker’s own cluster is never touched', async () => {
  const before = await own.admin.makeApiClient((await import('@kubernetes/client-node')).CoreV1Api).readNamespacedPod({ namespace: 'checkout', name: suspect });
  const rig = await startCaseRig({}, { lab: { scenario, token }, clusters: { ownCluster }, inCluster: () => own.configFor(token) });
  try {
    await rig.startWorker();
    const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'), { responses: { 'launch-code-compiler-tool': { gke: ['preserve-then-replace-pod'] } } });
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 120_000);
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    expect((await handle.result()).outcome).toBe('contained');
  } finally {
    await rig.stop();
  }
  const there = workerRequests(findings);
  expect(there.map((e) => `${e.verb} ${e.resource}`)).toEqual(expect.arrayContaining(['get pods', 'patch pods', 'create networkpolicies']));
  expect(there.filter((e) => e.name === suspect).length).toBeGreaterThan(0);
  expect(workerRequests(own)).toEqual([]);
  const after = await own.admin.makeApiClient((await import('@kubernetes/client-node')).CoreV1Api).readNamespacedPod({ namespace: 'checkout', name: suspect });
  expect([after.metadata?.uid, after.metadata?.resourceVersion]).toEqual([before.metadata?.uid, before.metadata?.resourceVersion]);
}, 240_000);

describe('without the GKE API', () => {
  let lab: Lab;
  let clients: CloudClients;

  beforeAll(async () => {
    lab = await startLab({ port: 0, token, scenario });
    const target: CloudTarget = { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey }, clusters: { ownCluster, gkeApi: false } };
    clients = createCloudClients(target, { inCluster: () => own.configFor(token) });
  });

  afterAll(async () => {
    await clients?.close();
    await lab?.stop();
  });

  test('the own cluster is reached with in-cluster credentials; any other has none, which is permanent, and no request goes anywhere', async () => {
    const [ownBefore, findingsBefore] = [workerRequests(own).length, workerRequests(findings).length];
    expect(await clients.kubernetes(ownCluster).connection()).toBe('in-cluster service account (the worker’s own cluster)');
    expect((await clients.kubernetes(ownCluster).getPod('checkout', suspect)).name).toBe(suspect);
    const refused = clients.kubernetes(paymentsCluster).getPod('checkout', suspect);
    await expect(refused).rejects.toThrow(PermanentCloudError);
    await expect(refused).rejects.toThrow(/no credentials for this cluster \(no context gke_acme-payments-prod_us-central1_payments-prod in .*; not the worker's own cluster gke_acme-payments-prod_us-central1_security-tools; the GKE API is off\)/);
    expect(workerRequests(own).length).toBe(ownBefore + 1);
    expect(workerRequests(findings).length).toBe(findingsBefore);
  });
});

test('a control plane that does not present the CA the GKE API gave is not talked to', async () => {
  const crossed: Scenario = { ...scenario, clusters: scenario.clusters.map((c) => (c.name === paymentsCluster.name ? { ...c, controlPlane: { endpoint: findings.endpoint, caCertificate: own.caCertificate } } : c)) };
  const lab = await startLab({ port: 0, token, scenario: crossed });
  const clients = createCloudClients({ mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey } });
  try {
    const before = workerRequests(findings).length;
    await expect(clients.kubernetes(paymentsCluster).getPod('checkout', suspect)).rejects.toThrow(TransientCloudError);
    await expect(clients.kubernetes(paymentsCluster).getPod('checkout', suspect)).rejects.toThrow(/certificate/i);
    expect(workerRequests(findings).length).toBe(before);
  } finally {
    await clients.close();
    await lab.stop();
  }
});
