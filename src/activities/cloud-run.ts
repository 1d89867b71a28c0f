import type { CloudRunSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import { stepEvidence, type StepEvidence } from './evidence-event';
import { classified } from './failures';

/** Steps 2 and 3 on Cloud Run: the service, its traffic and its revisions. */
export function cloudRunActivities({ clients }: ActivityDeps) {
  return {
    async checkCloudRun(input: { caseId: string; subject: CloudRunSubject }): Promise<{ summary: string } & StepEvidence> {
      return classified(async () => {
        const { subject } = input;
        if (!subject.service) return { summary: `Cloud Run job ${subject.job ?? '?'}: jobs have no traffic to inspect` };
        const service = await clients.run.getService(subject.projectId, subject.region, subject.service);
        const revisions = await clients.run.listRevisions(subject.projectId, subject.region, subject.service);
        return {
          stepEvidence: stepEvidence('cloud-run', { service, revisions }),
          summary: `service ${subject.service}: ingress ${service.ingress}, traffic ${service.traffic.map((t) => `${t.percent}% ${t.revision}`).join(', ')}, ${revisions.length} revision(s)`,
        };
      });
    },
  };
}
