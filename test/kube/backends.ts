import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { ActionContext } from '../../src/actions/action';
import { createCloudClients, type CloudClients } from '../../src/cloud';
import { sameCluster } from '../../src/cloud/cluster-access';
import type { CloudTarget } from '../../src/cloud/config';
import { KubernetesAdapter } from '../../src/cloud/kubernetes';
import type { GkeSubject } from '../../src/findings/model';
import { loadScenario, type Scenario } from '../../src/lab/scenario';
import { startLab, type Lab } from '../../src/lab/server';
import { ChannelNotifier } from '../../src/notify/channels';
import { paymentsCluster, startActionLab } from '../lab-harness';
import { startControlPlane, type ControlPlane } from './control-plane';
import { loadScenarioCluster } from './scenario-cluster';

/**
 * One cluster for the conformance suite, either the lab's Kubernetes or a real API server, with
 * the cloud clients pointed at it as a worker gets them. Against the real one the worker is the
 * identity deploy/kubernetes/rbac.yaml binds and nothing more, and reaches the cluster through
 * the (lab's) GKE API: endpoint and CA from clusters.get, its access token as the bearer.
 */
export interface KubeBackend {
  name: 'lab' | 'real';
  lab: Lab;
  clients: CloudClients;
  context: ActionContext;
  /** The worker's view of the payments cluster. */
  kube: KubernetesAdapter;
  /** Somebody else with cluster-admin: changes the test makes behind the worker's back. */
  admin: KubernetesAdapter;
  /** Every create, update, patch and delete that took effect on this cluster so far (the real one: the worker's only). */
  writes(): string[];
  plane?: ControlPlane;
  stop(): Promise<void>;
}

/** Where the scenario's suspect pods run, as a plan's parameters name it. */
export const paymentsWhere = { project: 'acme-payments-prod', location: 'us-central1', cluster: 'payments-prod' };

/** A finding's subject: a container of a pod in the payments cluster. */
export function paymentsSubject(namespace: string, pod: string, container: string): GkeSubject {
  const { project, location, cluster } = paymentsWhere;
  return { runtime: 'gke', projectId: project, location, cluster, namespace, pod, container, clusterResourceName: `//container.googleapis.com/projects/${project}/locations/${location}/clusters/${cluster}` };
}

/** The Google service account rbac.yaml binds, with its placeholder project filled in. */
export const workerIdentity = 'scc-responder@acme-security.iam.gserviceaccount.com';

export function rbacDocuments(identity = workerIdentity): KubernetesObject[] {
  const text = readFileSync(join(__dirname, '../../deploy/kubernetes/rbac.yaml'), 'utf8').replace('scc-responder@PROJECT_ID.iam.gserviceaccount.com', identity);
  return parseAllDocuments(text).map((doc) => doc.toJS() as KubernetesObject);
}

export async function startLabBackend(scenario: Scenario = loadScenario()): Promise<KubeBackend> {
  const { lab, clients, context, stop } = await startActionLab({ scenario });
  const kube = clients.kubernetes(paymentsCluster);
  const store = lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!.store;
  const baseline = store.mutations.length;
  return {
    name: 'lab',
    lab,
    clients,
    context,
    kube,
    // The lab does not tell callers apart: the tests count the worker's writes around its own calls.
    admin: kube,
    writes: () => store.mutations.slice(baseline).filter((m) => m.by === 'client').map((m) => `${m.verb} ${m.resource} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`),
    stop,
  };
}

/** `ownerReadTtlMs: 0` when each call must reach the API server, as a probe of one grant needs. */
export async function startRealBackend(scenario: Scenario = loadScenario(), reads: { ownerReadTtlMs?: number } = {}): Promise<KubeBackend> {
  // In the lab the worker's Application Default Credentials token is the lab's token.
  const token = `lab-${randomBytes(16).toString('hex')}`;
  const plane = await startControlPlane({ name: 'payments-prod', identities: [{ token, user: workerIdentity }] });
  try {
    const objects = KubernetesObjectApi.makeApiClient(plane.admin);
    for (const object of rbacDocuments()) await objects.create(object);
    const cluster = scenario.clusters.find((c) => sameCluster(c, paymentsCluster))!;
    await loadScenarioCluster(plane, cluster);
    const lab = await startLab({
      port: 0,
      token,
      scenario: { ...scenario, clusters: scenario.clusters.map((c) => (c === cluster ? { ...c, controlPlane: { endpoint: plane.endpoint, caCertificate: plane.caCertificate } } : c)) },
    });
    const target: CloudTarget = { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey }, ...reads };
    const clients = createCloudClients(target);
    const baseline = plane.audit().length;
    return {
      name: 'real',
      lab,
      clients,
      context: { clients, notifier: new ChannelNotifier([]) },
      kube: clients.kubernetes(paymentsCluster),
      admin: new KubernetesAdapter(async () => ({ config: plane.admin, via: 'cluster-admin' }), 'admin'),
      writes: () =>
        plane
          .audit()
          .slice(baseline)
          // Writes that took effect, as the lab records them: a create answered 409 changed nothing.
          .filter((e) => e.user === workerIdentity && ['create', 'update', 'patch', 'delete'].includes(e.verb) && (e.code ?? 0) < 400 && e.resource !== 'selfsubjectaccessreviews')
          .map((e) => `${e.verb} ${e.resource} ${e.namespace ? `${e.namespace}/` : ''}${e.name ?? ''}`),
      plane,
      async stop() {
        await clients.close();
        await lab.stop();
        await plane.stop();
      },
    };
  } catch (error) {
    await plane.stop();
    throw error;
  }
}

export const backends: [KubeBackend['name'], (scenario?: Scenario) => Promise<KubeBackend>][] = [
  ['lab', startLabBackend],
  ['real', startRealBackend],
];

/** A fresh cluster for one test: the conformance tests change nodes and workloads, so none shares one. */
export async function withBackend(start: (scenario?: Scenario) => Promise<KubeBackend>, run: (backend: KubeBackend) => Promise<void>, scenario?: Scenario): Promise<void> {
  const backend = await start(scenario);
  try {
    await run(backend);
  } catch (error) {
    if (backend.plane && process.env.SCC_KUBE_LOGS) console.error(backend.plane.logs());
    throw error;
  } finally {
    await backend.stop();
  }
}
