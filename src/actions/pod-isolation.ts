import { createHash } from 'node:crypto';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { PermanentCloudError } from '../cloud/errors';
import type { KubernetesAdapter, PodInfo } from '../cloud/kubernetes';
import type { CloudClients } from '../cloud';
import { currentPod } from './current-pod';
import { selects, type LabelSelector } from './label-selector';

/**
 * Network isolation of one pod, shared by quarantine and preserve-then-replace: a label whose
 * value derives from the pod's UID, and a deny-all ingress and egress NetworkPolicy selecting it.
 */

export const quarantineLabel = 'scc-responder/quarantine';

/** Names derived from the pod's UID: the policy selects this pod and no other, and a retry finds its own. */
export function quarantineNames(uid: string): { labelValue: string; policy: string } {
  const digest = createHash('sha256').update(uid).digest('hex').slice(0, 16);
  return { labelValue: `q-${digest}`, policy: `scc-quarantine-${digest}` };
}

/** Why isolation cannot work in this cluster, or undefined when it can. */
export async function isolationRefusal(clients: CloudClients, where: { project: string; location: string; cluster: string }): Promise<string | undefined> {
  const cluster = await clients.gke.getCluster(where.project, where.location, where.cluster);
  return cluster.networkPolicyEnforced ? undefined : `refused: cluster ${where.cluster} does not enforce NetworkPolicy, so a deny-all policy would isolate nothing`;
}

/** The pod a plan would isolate, when isolation can work: the cluster enforces NetworkPolicy and the pod is there. */
export async function podToIsolate(
  clients: CloudClients,
  params: { project: string; location: string; cluster: string; namespace: string; pod: string },
): Promise<{ kube: KubernetesAdapter; pod: PodInfo } | { notApplicable: string }> {
  const refusal = await isolationRefusal(clients, params);
  if (refusal) return { notApplicable: refusal };
  const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
  const pod = await currentPod(kube, params.namespace, params.pod);
  return pod ? { kube, pod } : { notApplicable: `pod ${params.namespace}/${params.pod} no longer exists` };
}

/** Policies other than ours that select the pod: NetworkPolicies are additive, so they keep what they allow open. */
export async function policiesStillAdmitting(kube: KubernetesAdapter, pod: PodInfo, ignoring: string, labels: Record<string, string> = pod.labels): Promise<string[]> {
  return (await kube.listNetworkPolicies(pod.namespace))
    .filter((policy) => policy.metadata?.name !== ignoring)
    .filter((policy) => selects(policy.spec?.podSelector as LabelSelector | undefined, labels) || Object.keys(policy.spec?.podSelector ?? {}).length === 0)
    .map((policy) => policy.metadata?.name ?? '');
}

function denyAll(policy: string, labelValue: string): V1NetworkPolicy {
  return {
    metadata: { name: policy, labels: { 'app.kubernetes.io/managed-by': 'scc-responder' } },
    spec: { podSelector: { matchLabels: { [quarantineLabel]: labelValue } }, policyTypes: ['Ingress', 'Egress'] },
  };
}

/** Creates the deny-all policy; it selects nothing until the pod carries the label. Idempotent. */
export async function ensureDenyAllPolicy(kube: KubernetesAdapter, namespace: string, uid: string): Promise<string> {
  const names = quarantineNames(uid);
  try {
    await kube.createNetworkPolicy(namespace, denyAll(names.policy, names.labelValue));
  } catch (error) {
    if (!(error instanceof PermanentCloudError && error.status === '409')) throw error;
  }
  return names.policy;
}

/** The planned pod as it is now, or why acting on it would be acting on something else. */
export async function plannedPod(kube: KubernetesAdapter, target: { namespace: string; name: string; uid: string }): Promise<{ pod: PodInfo } | { refusal: string }> {
  const pod = await currentPod(kube, target.namespace, target.name);
  if (!pod) return { refusal: 'the pod is gone: nothing to isolate' };
  if (pod.uid !== target.uid) return { refusal: `pod uid ${target.uid} is gone; ${pod.uid} now has the name: a new decision is needed` };
  return { pod };
}

export function changedSincePlan(planned: string, now: string): string {
  return `the pod changed since the plan was approved (resourceVersion ${planned} → ${now}): a new decision is needed`;
}

/** Removes the deny-all policy; gone already is fine. */
export async function removeDenyAllPolicy(kube: KubernetesAdapter, namespace: string, uid: string): Promise<string> {
  const { policy } = quarantineNames(uid);
  try {
    await kube.deleteNetworkPolicy(namespace, policy);
  } catch (error) {
    if (!(error instanceof PermanentCloudError && error.status === '404')) throw error;
  }
  return policy;
}
