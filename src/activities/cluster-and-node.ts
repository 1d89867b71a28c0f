import type { GkeSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import { stepEvidence, type StepEvidence } from './evidence-event';
import { classified } from './failures';

/** Step 2 (GKE): the cluster's metadata and the node, with its instance id for the node logs. */
export function clusterAndNodeActivities({ clients }: ActivityDeps) {
  return {
    async checkClusterAndNode(input: { caseId: string; subject: GkeSubject }): Promise<{ summary: string; instanceId?: string } & StepEvidence> {
      return classified(async () => {
        const { subject } = input;
        const cluster = await clients.gke.getCluster(subject.projectId, subject.location, subject.cluster);
        const node = subject.node ? await clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster }).getNode(subject.node) : undefined;
        const summary = `cluster ${cluster.name} ${cluster.status}, labels ${JSON.stringify(cluster.labels)}, NetworkPolicy ${cluster.networkPolicyEnforced ? 'enforced' : 'not enforced'}` +
          (node ? `; node ${node.name} instance_id ${node.instanceId ?? 'unknown'}` : '; no node named in the finding');
        return { summary, ...(node?.instanceId ? { instanceId: node.instanceId } : {}), stepEvidence: stepEvidence('cluster-and-node', { cluster, ...(node ? { node } : {}) }) };
      });
    },
  };
}
