import type { CloudRunSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import { recordStepEvidence } from './evidence-event';
import { classified } from './failures';

/** Steps 2 and 3 on Cloud Run: the service, its traffic and its revisions. */
export function cloudRunActivities({ clients, store }: ActivityDeps) {
  return {
    async checkCloudRun(input: { caseId: string; subject: CloudRunSubject }): Promise<{ summary: string }> {
      return classified(async () => {
        const { subject } = input;
        if (!subject.service) return { summary: `Cloud Run job ${subject.job ?? '?'}: jobs have no traffic to inspect` };
        const service = await clients.run.getService(subject.projectId, subject.region, subject.service);
        const revisions = await clients.run.listRevisions(subject.projectId, subject.region, subject.service);
        await recordStepEvidence(store, input.caseId, 'cloud-run', { service, revisions });
        return {
          summary: `service ${subject.service}: ingress ${service.ingress}, traffic ${service.traffic.map((t) => `${t.percent}% ${t.revision}`).join(', ')}, ${revisions.length} revision(s)`,
        };
      });
    },
  };
}
