import { PermanentCloudError } from '../cloud/errors';
import type { KubernetesAdapter, Owner, PodInfo, ScalableKind } from '../cloud/kubernetes';
import type { GkeSubject } from '../findings/model';
import type { ActivityDeps } from './deps';

const scalable: readonly string[] = ['Deployment', 'StatefulSet', 'ReplicaSet'];

/**
 * When the suspect pod is gone, the workload that ran it and still runs its template: from the
 * owner chain the case read while the pod existed, else from the names controllers give their
 * pods (`<replicaset>-<suffix>` where the ReplicaSet is `<deployment>-<pod-template-hash>`,
 * `<statefulset>-<ordinal>`), each read back from the API server before it counts. Undefined
 * when the pod still exists, or nothing running can be found.
 */
export async function workloadStillRunning({ clients, store }: Pick<ActivityDeps, 'clients' | 'store'>, caseId: string, subject: GkeSubject): Promise<{ kind: ScalableKind; name: string } | undefined> {
  let kube: KubernetesAdapter;
  try {
    kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
    await kube.getPod(subject.namespace, subject.pod);
    return undefined;
  } catch (error) {
    // Only a pod known to be gone is looked past; an unreachable cluster says nothing about it.
    if (!(error instanceof PermanentCloudError && error.status === '404')) return undefined;
    kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
  }
  const recorded = await recordedOwners(store, caseId);
  const candidates = recorded.length > 0 ? recorded : await ownersByName(kube, subject);
  const top = [...candidates].reverse().find((owner) => scalable.includes(owner.kind));
  if (!top) return undefined;
  try {
    const scale = await kube.readScale(top.kind as ScalableKind, subject.namespace, top.name);
    return scale.replicas > 0 ? { kind: scale.kind, name: scale.name } : undefined;
  } catch (error) {
    if (error instanceof PermanentCloudError) return undefined;
    throw error;
  }
}

async function recordedOwners(store: ActivityDeps['store'], caseId: string): Promise<Owner[]> {
  const record = await store.getCase(caseId);
  const evidence = record?.timeline.find((entry) => entry.event_key === 'evidence:pod');
  const owners = (evidence?.detail as { owners?: unknown } | undefined)?.owners;
  return Array.isArray(owners) ? owners.filter((o): o is Owner => typeof o?.kind === 'string' && typeof o?.name === 'string') : [];
}

async function ownersByName(kube: KubernetesAdapter, subject: GkeSubject): Promise<Owner[]> {
  const guesses: Owner[] = [];
  const replicaSet = /^(.+-[a-z0-9]{6,10})-[a-z0-9]{5}$/.exec(subject.pod)?.[1];
  if (replicaSet) guesses.push({ kind: 'ReplicaSet', name: replicaSet, uid: '' });
  const statefulSet = /^(.+)-[0-9]+$/.exec(subject.pod)?.[1];
  if (statefulSet) guesses.push({ kind: 'StatefulSet', name: statefulSet, uid: '' });
  for (const guess of guesses) {
    try {
      const chain = await kube.ownerChain({ namespace: subject.namespace, owner: guess } as PodInfo);
      if (chain.length > 0) return chain;
    } catch (error) {
      if (!(error instanceof PermanentCloudError)) throw error;
    }
  }
  return [];
}
