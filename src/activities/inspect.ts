import type { CloudRunSubject, GkeSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import { classified } from './failures';

/** Steps 2 and 3 (GKE): cluster and node, then the pod and its owners; Cloud Run: the service. */
export function inspectActivities({ clients, store }: ActivityDeps) {
  const evidence = (caseId: string, step: string, detail: Record<string, unknown>) =>
    store.addEvent(caseId, { key: `evidence:${step}`, at: new Date().toISOString(), kind: 'evidence', step, detail });

  return {
    async checkClusterAndNode(input: { caseId: string; subject: GkeSubject }): Promise<{ summary: string; instanceId?: string }> {
      return classified(async () => {
        const { subject } = input;
        const cluster = await clients.gke.getCluster(subject.projectId, subject.location, subject.cluster);
        const node = subject.node ? await clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster }).getNode(subject.node) : undefined;
        await evidence(input.caseId, 'cluster-and-node', { cluster, ...(node ? { node } : {}) });
        const summary = `cluster ${cluster.name} ${cluster.status}, labels ${JSON.stringify(cluster.labels)}, NetworkPolicy ${cluster.networkPolicyEnforced ? 'enforced' : 'not enforced'}` +
          (node ? `; node ${node.name} instance_id ${node.instanceId ?? 'unknown'}` : '; no node named in the finding');
        return { summary, ...(node?.instanceId ? { instanceId: node.instanceId } : {}) };
      });
    },

    async checkPod(input: { caseId: string; subject: GkeSubject }): Promise<{ summary: string }> {
      return classified(async () => {
        const { subject } = input;
        const kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
        const pod = await kube.getPod(subject.namespace, subject.pod);
        const owners = await kube.ownerChain(pod);
        await evidence(input.caseId, 'pod', { pod, owners });
        const container = pod.containers.find((c) => c.name === subject.container);
        return {
          summary: `pod ${pod.namespace}/${pod.name} ${pod.phase ?? 'unknown phase'} on ${pod.nodeName ?? '?'}, service account ${pod.serviceAccount ?? 'default'}, ` +
            `owner ${owners.map((o) => `${o.kind}/${o.name}`).join(' → ') || 'none (bare pod)'}, image ${container?.imageId ?? container?.image ?? 'unknown'}`,
        };
      });
    },

    async checkCloudRun(input: { caseId: string; subject: CloudRunSubject }): Promise<{ summary: string }> {
      return classified(async () => {
        const { subject } = input;
        if (!subject.service) return { summary: `Cloud Run job ${subject.job ?? '?'}: jobs have no traffic to inspect` };
        const service = await clients.run.getService(subject.projectId, subject.region, subject.service);
        const revisions = await clients.run.listRevisions(subject.projectId, subject.region, subject.service);
        await evidence(input.caseId, 'cloud-run', { service, revisions });
        return {
          summary: `service ${subject.service}: ingress ${service.ingress}, traffic ${service.traffic.map((t) => `${t.percent}% ${t.revision}`).join(', ')}, ${revisions.length} revision(s)`,
        };
      });
    },
  };
}
