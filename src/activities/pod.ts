import type { GkeSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import { stepEvidence, type StepEvidence } from './evidence-event';
import { classified } from './failures';

/** Step 3 (GKE): the pod, its owner chain, image and service account. */
export function podActivities({ clients }: ActivityDeps) {
  return {
    async checkPod(input: { caseId: string; subject: GkeSubject }): Promise<{ summary: string } & StepEvidence> {
      return classified(async () => {
        const { subject } = input;
        const kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
        const pod = await kube.getPod(subject.namespace, subject.pod);
        const owners = await kube.ownerChain(pod);
        const container = pod.containers.find((c) => c.name === subject.container);
        return {
          stepEvidence: stepEvidence('pod', { pod, owners }),
          summary: `pod ${pod.namespace}/${pod.name} ${pod.phase ?? 'unknown phase'} on ${pod.nodeName ?? '?'}, service account ${pod.serviceAccount ?? 'default'}, ` +
            `owner ${owners.map((o) => `${o.kind}/${o.name}`).join(' → ') || 'none (bare pod)'}, image ${container?.imageId ?? container?.image ?? 'unknown'}`,
        };
      });
    },
  };
}
