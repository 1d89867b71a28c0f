import { selects, type LabelSelector } from '../actions/label-selector';
import type { CloudClients } from '../cloud';
import type { Subject } from '../findings/model';
import type { BlastRadius } from '../workflows/shared';

const siblingSample = 20;

/** What the containment would touch beyond the suspect itself, for the approver to weigh. */
export async function blastRadius(clients: CloudClients, subject: Subject): Promise<BlastRadius> {
  if (subject.runtime === 'cloud-run') {
    if (!subject.service) return { runtime: 'cloud-run', notes: ['a Cloud Run job: no traffic to move'] };
    const service = await clients.run.getService(subject.projectId, subject.region, subject.service);
    const revisions = await clients.run.listRevisions(subject.projectId, subject.region, subject.service);
    return {
      runtime: 'cloud-run',
      traffic: service.traffic,
      ingress: service.ingress,
      revisions: revisions.length,
      notes: [`every request to ${subject.service} is served by the revisions in its traffic split`],
    };
  }
  const kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
  const [cluster, pod] = await Promise.all([clients.gke.getCluster(subject.projectId, subject.location, subject.cluster), kube.getPod(subject.namespace, subject.pod)]);
  const owners = await kube.ownerChain(pod);
  const controller = owners[0];
  const top = owners.at(-1);
  const image = pod.containers.find((c) => c.name === subject.container)?.image ?? '';
  // A sample, never the whole list: the plan lives in the workflow's history and is hashed, and a
  // Deployment of thousands of replicas must not make it megabytes (nor its listing per case).
  const sample = controller?.selector
    ? await kube.samplePods(subject.namespace, Object.entries(controller.selector).map(([k, v]) => `${k}=${v}`).join(','), siblingSample + 1)
    : { pods: [], more: false };
  const siblings = sample.pods.filter((p) => p.name !== pod.name).map((p) => p.name).slice(0, siblingSample);
  const siblingCount = sample.more && controller?.replicas !== undefined ? Math.max(siblings.length, controller.replicas - 1) : siblings.length;
  const policies = (await kube.listNetworkPolicies(subject.namespace))
    .filter((policy) => selects(policy.spec?.podSelector as LabelSelector | undefined, pod.labels) || Object.keys(policy.spec?.podSelector ?? {}).length === 0)
    .map((policy) => policy.metadata?.name ?? '');
  const notes: string[] = [];
  if (top && top.kind !== 'Job') notes.push(`${top.kind} ${top.name} recreates the pod from the same image (${image}): if the image is the problem, rebuild it`);
  if (!top) notes.push('a bare pod: nothing recreates it once deleted');
  if (siblingCount > 0) notes.push(`${siblingCount}${sample.more && controller?.replicas === undefined ? '+' : ''} other pod(s) run the same template and image: ${siblings.slice(0, 10).join(', ')}${siblingCount > 10 ? ', …' : ''}`);
  if (!cluster.networkPolicyEnforced) notes.push('NetworkPolicy is not enforced in this cluster: isolating the pod with a policy would have no effect');
  if (policies.length > 0) notes.push(`NetworkPolicies that select the pod and keep traffic open (policies are additive): ${policies.join(', ')}`);
  return {
    runtime: 'gke',
    owners: owners.map((o) => ({ kind: o.kind, name: o.name, ...(o.replicas !== undefined ? { replicas: o.replicas } : {}) })),
    recreatedFromSameImage: Boolean(top && top.kind !== 'Job'),
    image,
    siblingPods: siblings,
    siblingPodCount: siblingCount,
    networkPolicyEnforced: cluster.networkPolicyEnforced,
    selectingNetworkPolicies: policies,
    notes,
  };
}
