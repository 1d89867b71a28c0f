import { parseFindingObject } from '../findings/parse';
import type { Finding } from '../findings/model';
import type { CaseFindingSummary } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { stepEvidence, type StepEvidence } from './evidence-event';
import { classified } from './failures';

/** Step 1: the finding, and other findings for the same container at a similar time. */
export function reviewActivities({ clients }: ActivityDeps) {
  return {
    async reviewFinding(input: { caseId: string; finding: Finding; windowMinutes: number }): Promise<{ summary: string; related: CaseFindingSummary[] } & StepEvidence> {
      return classified(async () => {
        const { nameParts } = input.finding;
        const parent = `${nameParts.parentType}/${nameParts.parentId}/sources/-${nameParts.location ? `/locations/${nameParts.location}` : ''}`;
        const results = await clients.scc.relatedFindings(parent, input.finding.subject, input.finding.eventTime, input.windowMinutes);
        const related: CaseFindingSummary[] = [];
        for (const result of results) {
          try {
            const { finding } = parseFindingObject(result);
            if (finding.name !== input.finding.name) related.push({ name: finding.name, category: finding.category, severity: finding.severity, eventTime: finding.eventTime });
          } catch {
            // A related finding that does not parse is still noted by name.
            related.push({ name: String(result.finding.name), category: String(result.finding.category), severity: 'SEVERITY_UNSPECIFIED', eventTime: '' });
          }
        }
        const summary = related.length === 0
          ? `no other findings for this subject within ${input.windowMinutes} minutes`
          : `${related.length} related finding(s) within ${input.windowMinutes} minutes: ${[...new Set(related.map((r) => r.category))].join('; ')}`;
        return { summary, related, stepEvidence: stepEvidence('review', { parent, windowMinutes: input.windowMinutes, related }) };
      });
    },
  };
}
