import { z } from 'zod';
import type { KubernetesAdapter } from '../cloud/kubernetes';
import type { CloudClients } from '../cloud';
import type { PreservedPodTarget } from '../workflows/shared';
import { currentPod } from './current-pod';
import { ensureDenyAllPolicy, isolationRefusal, quarantineLabel, quarantineNames, removeDenyAllPolicy } from './pod-isolation';

/**
 * A few pods of a workload kept for forensics while the workload itself is contained (rolled
 * back or scaled to zero): each is isolated by its own deny-all NetworkPolicy and loses the
 * labels its ReplicaSet selects on, so the rollout or the scale-down that replaces or stops every
 * other pod lets it be. What the pods ran stays inspectable after the workload moved on.
 */

/** At most this many pods are kept: enough to compare, few enough to watch. */
export const maxPreservedPods = 5;

/** The pods to keep, by name, as a workload action's parameter. */
export const preserveParameter = z.array(z.string()).max(maxPreservedPods).optional();

export type PreservedPod = PreservedPodTarget;

/**
 * The pods of `names` that can be kept: each must still be there and belong (through its
 * ReplicaSet) to the workload being contained; the cluster must enforce NetworkPolicy, or a kept
 * suspect would keep its network. What cannot be kept is said, not skipped silently.
 */
export async function planPreservation(
  clients: CloudClients,
  where: { project: string; location: string; cluster: string; namespace: string },
  workload: { kind: string; name: string },
  names: readonly string[],
): Promise<{ pods: PreservedPod[]; notes: string[] }> {
  if (names.length === 0) return { pods: [], notes: [] };
  const refusal = await isolationRefusal(clients, where);
  if (refusal) return { pods: [], notes: [`no pod is kept for forensics: ${refusal}`] };
  const kube = clients.kubernetes({ project: where.project, location: where.location, name: where.cluster });
  const pods: PreservedPod[] = [];
  const notes: string[] = [];
  for (const name of [...new Set(names)]) {
    const pod = await currentPod(kube, where.namespace, name);
    if (!pod) {
      notes.push(`pod ${where.namespace}/${name} is gone: it cannot be kept for forensics`);
      continue;
    }
    const owners = await kube.ownerChain(pod);
    const replicaSet = owners[0];
    const top = owners.at(-1);
    if (replicaSet?.kind !== 'ReplicaSet' || !replicaSet.selector || top?.kind !== workload.kind || top.name !== workload.name) {
      notes.push(`pod ${where.namespace}/${name} is not a pod of ${workload.kind} ${workload.name} through a ReplicaSet: it is not kept`);
      continue;
    }
    pods.push({ name, uid: pod.uid, replicaSet: replicaSet.name, releasedLabels: releasedLabelsOf(replicaSet.selector, pod.labels) });
  }
  return { pods, notes };
}

/** The plan's words for the pods kept. */
export function preservationEffect(namespace: string, pods: readonly PreservedPod[]): string {
  if (pods.length === 0) return '';
  return (
    ` First, pod(s) ${pods.map((p) => `${namespace}/${p.name}`).join(', ')} are kept for forensics: each is isolated by a deny-all NetworkPolicy and released from its ReplicaSet ` +
    `(loses ${[...new Set(pods.flatMap((p) => Object.keys(p.releasedLabels)))].join(', ')}), so it keeps running, unreachable, while the workload changes.`
  );
}

/**
 * Isolates and releases each planned pod; a pod already kept is left as it is, and one that is
 * gone or replaced under its name is said. Runs before the workload changes, so the kept pods
 * are the suspect's, not their replacements.
 */
export async function preservePods(kube: KubernetesAdapter, namespace: string, pods: readonly PreservedPod[]): Promise<string[]> {
  const said: string[] = [];
  for (const planned of pods) {
    const pod = await currentPod(kube, namespace, planned.name);
    if (!pod || pod.uid !== planned.uid) {
      said.push(`${planned.name} not kept (${pod ? `uid ${planned.uid} is gone; ${pod.uid} now has the name` : 'gone'})`);
      continue;
    }
    const policy = await keepPod(kube, namespace, planned, isKept(pod.labels, planned));
    said.push(`${planned.name} kept, isolated by NetworkPolicy ${policy}`);
  }
  return said;
}

/** Undoes preservePods: the labels go back (the ReplicaSet takes the pod again) and the policy goes. */
export async function releasePreservedPods(kube: KubernetesAdapter, namespace: string, pods: readonly PreservedPod[]): Promise<string[]> {
  const said: string[] = [];
  for (const planned of pods) {
    const { policy, givenBack } = await givePodBack(kube, namespace, planned);
    said.push(givenBack ? `${planned.name} given back to ReplicaSet ${planned.replicaSet}, NetworkPolicy ${policy} removed` : `${planned.name} is gone, NetworkPolicy ${policy} removed`);
  }
  return said;
}

/** The labels a pod loses to leave its ReplicaSet: those the selector matches on that the pod carries. */
export function releasedLabelsOf(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(selector).filter((key) => key in labels).map((key) => [key, labels[key]!]));
}

/** Whether a pod is kept already: quarantined under its own UID and carrying none of the released labels. */
export function isKept(labels: Readonly<Record<string, string>>, pod: { uid: string; releasedLabels: Readonly<Record<string, string>> }): boolean {
  return labels[quarantineLabel] === quarantineNames(pod.uid).labelValue && Object.keys(pod.releasedLabels).every((key) => !(key in labels));
}

/**
 * Keeps one pod: its deny-all policy, then (unless `kept` already) one label change that
 * quarantines it and releases it from its ReplicaSet, at `resourceVersion` when one is given.
 * The policy comes first: it selects nothing until the label lands, so the released pod is never
 * reachable. Returns the policy's name.
 */
export async function keepPod(kube: KubernetesAdapter, namespace: string, pod: { name: string; uid: string; releasedLabels: Readonly<Record<string, string>> }, kept: boolean, resourceVersion?: string): Promise<string> {
  const policy = await ensureDenyAllPolicy(kube, namespace, pod.uid);
  if (!kept) {
    const change: Record<string, string | null> = { [quarantineLabel]: quarantineNames(pod.uid).labelValue };
    for (const key of Object.keys(pod.releasedLabels)) change[key] = null;
    await kube.patchPodLabels(namespace, pod.name, change, resourceVersion);
  }
  return policy;
}

/** Undoes keepPod: the labels go back when the pod is still the one kept (its ReplicaSet takes it again), and the policy goes either way. */
export async function givePodBack(kube: KubernetesAdapter, namespace: string, pod: { name: string; uid: string; releasedLabels: Readonly<Record<string, string>> }): Promise<{ policy: string; givenBack: boolean }> {
  const current = await currentPod(kube, namespace, pod.name);
  const givenBack = current?.uid === pod.uid;
  if (givenBack) await kube.patchPodLabels(namespace, pod.name, { [quarantineLabel]: null, ...pod.releasedLabels });
  return { policy: await removeDenyAllPolicy(kube, namespace, pod.uid), givenBack };
}

/** The permissions keeping pods takes, beside the workload action's own. */
export const preservationPermissions = ['kubernetes: patch pods', 'kubernetes: create, delete networkpolicies', 'iam: container.pods.update, container.networkPolicies.create, container.networkPolicies.delete, container.clusters.get'];
