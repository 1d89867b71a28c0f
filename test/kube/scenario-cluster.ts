import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { containerSpec, nodeObject } from '../../src/lab/kube-cluster';
import type { ScenarioCluster } from '../../src/lab/scenario';
import type { ControlPlane } from './control-plane';

/**
 * Puts a lab scenario's cluster on a real API server, so the same test can run against both.
 * What the lab writes by hand the real controllers do here: Deployment pods are created first
 * with the scenario's names and the real ReplicaSet and Deployment controllers adopt them (their
 * templates match, ignoring the hash label); StatefulSet, DaemonSet and Job pods are the
 * controllers' own (StatefulSet names are the same, `name-0`; the others get the controllers'
 * random suffixes, so tests find them by owner). The scheduler places them and kwok runs them.
 */
export async function loadScenarioCluster(plane: ControlPlane, spec: ScenarioCluster, timeoutMs = 60_000): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(plane.admin);
  const core = plane.admin.makeApiClient(CoreV1Api);
  const create = (object: object) => objects.create(object as KubernetesObject);
  const namespaces = [...new Set([...spec.workloads.map((w) => w.namespace), ...spec.networkPolicies.map((p) => p.namespace)])].filter((n) => !['default', 'kube-system'].includes(n));
  for (const name of namespaces) await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const node of spec.nodes) {
    const { status: _status, ...object } = nodeObject(spec, node);
    await create(object);
  }
  // Pods name their service account; the admission plugin refuses a pod whose account does not exist yet.
  const annotated = new Map(spec.serviceAccounts.map((a) => [`${a.namespace}/${a.name}`, a.annotations]));
  const accounts = new Set([...spec.workloads.map((w) => `${w.namespace}/${w.serviceAccount}`), ...annotated.keys()]);
  for (const account of accounts) {
    const [namespace, name] = account.split('/') as [string, string];
    const annotations = annotated.get(account);
    if (name !== 'default') await create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, ...(annotations && Object.keys(annotations).length ? { annotations } : {}) } });
    await eventually(() => core.readNamespacedServiceAccount({ namespace, name }), timeoutMs, `service account ${account}`);
  }
  for (const policy of spec.networkPolicies) {
    await create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: policy.name, namespace: policy.namespace },
      spec: { podSelector: policy.podSelector, policyTypes: policy.policyTypes, ...(policy.ingress ? { ingress: policy.ingress } : {}), ...(policy.egress ? { egress: policy.egress } : {}) },
    });
  }
  for (const workload of spec.workloads) {
    const { namespace, labels } = workload;
    const template = (podLabels: Record<string, string>) => ({ metadata: { labels: podLabels }, spec: { serviceAccountName: workload.serviceAccount, containers: workload.containers.map(containerSpec) } });
    const meta = { name: workload.name, namespace, labels, annotations: workload.annotations };
    const replicas = workload.replicas ?? workload.pods.length;
    const pod = (name: string, node: string, podLabels: Record<string, string>) =>
      create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: podLabels, annotations: workload.annotations }, spec: { ...template(podLabels).spec, nodeName: node } });
    switch (workload.kind) {
      case 'Deployment': {
        const hash = workload.podTemplateHash ?? 'scenario';
        const podLabels = { ...labels, 'pod-template-hash': hash };
        for (const p of workload.pods) await pod(p.name, p.node, podLabels);
        await create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${workload.name}-${hash}`, namespace, labels: podLabels }, spec: { replicas, selector: { matchLabels: podLabels }, template: template(podLabels) } });
        await create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { replicas, selector: { matchLabels: labels }, template: template(labels) } });
        break;
      }
      case 'StatefulSet':
        await create({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta, spec: { replicas, serviceName: workload.name, selector: { matchLabels: labels }, template: template(labels) } });
        break;
      case 'DaemonSet':
        await create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta, spec: { selector: { matchLabels: labels }, template: template(labels) } });
        break;
      case 'Job':
        await create({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { completions: 1, parallelism: 1, template: { ...template(labels), spec: { ...template(labels).spec, restartPolicy: 'Never' } } } });
        break;
      case 'Pod':
        for (const p of workload.pods) await pod(p.name, p.node, labels);
        break;
    }
  }
  await settled(plane, spec, timeoutMs);
}

/** Every scenario pod exists and has left Pending, and every Deployment owns its ReplicaSet. */
async function settled(plane: ControlPlane, spec: ScenarioCluster, timeoutMs: number): Promise<void> {
  const core = plane.admin.makeApiClient(CoreV1Api);
  const apps = plane.admin.makeApiClient(AppsV1Api);
  await eventually(async () => {
    for (const workload of spec.workloads) {
      const pods = (await core.listNamespacedPod({ namespace: workload.namespace })).items.filter((p) => Object.entries(workload.labels).every(([k, v]) => p.metadata?.labels?.[k] === v));
      const expected = workload.kind === 'DaemonSet' ? spec.nodes.length : (workload.replicas ?? workload.pods.length);
      const live = pods.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded');
      if (live.length < expected) throw new Error(`${workload.kind} ${workload.namespace}/${workload.name}: ${live.length} of ${expected} pods running`);
      if (workload.kind === 'Deployment') {
        const owned = (await apps.listNamespacedReplicaSet({ namespace: workload.namespace })).items.filter((rs) => rs.metadata?.ownerReferences?.some((ref) => ref.kind === 'Deployment' && ref.name === workload.name));
        if (owned.length !== 1) throw new Error(`Deployment ${workload.name} owns ${owned.length} ReplicaSets`);
        const adopted = pods.filter((p) => p.metadata?.ownerReferences?.some((ref) => ref.uid === owned[0]!.metadata?.uid));
        if (adopted.length < (workload.replicas ?? workload.pods.length)) throw new Error(`ReplicaSet ${owned[0]!.metadata?.name} adopted ${adopted.length} pods`);
      }
    }
  }, timeoutMs, `the scenario's pods to run on ${plane.endpoint}`);
}

export async function eventually<T>(check: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      last = error;
      await sleep(200);
    }
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
}
