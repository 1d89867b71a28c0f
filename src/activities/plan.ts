import { createHash } from 'node:crypto';
import { actions } from '../actions';
import type { ActionContext } from '../actions/action';
import { playbookFor } from '../findings/categories';
import type { Finding } from '../findings/model';
import type { ActionName, Plan, PlannedAction } from '../workflows/shared';
import { blastRadius } from './blast-radius';
import { canonicalJson } from '../util/canonical-json';
import type { ActivityDeps } from './deps';
import { classified } from './failures';

/** The containment plan: the playbook's response against the current state, with exact targets. */
export function planActivities(deps: ActivityDeps) {
  const context: ActionContext = { clients: deps.clients, notifier: deps.notifier };
  return {
    async planContainment(input: { caseId: string; findings: Finding[]; dryRun: boolean }): Promise<Plan> {
      return classified(async () => {
        const primary = input.findings[0]!;
        const { subject } = primary;
        const playbook = playbookFor(primary.category);
        const planned: PlannedAction[] = [];
        const notes: string[] = [];
        const recipients = [...new Set(input.findings.flatMap((f) => f.contacts.map((c) => c.email)))];
        const summary = `${primary.category} on ${subject.runtime === 'gke' ? `${subject.namespace}/${subject.pod}` : (subject.revision ?? subject.service ?? subject.job)}`;
        for (const name of playbook.defaultResponse[subject.runtime]) {
          const actionName: ActionName = name;
          const params =
            actionName === 'replace-pod' && subject.runtime === 'gke'
              ? { project: subject.projectId, location: subject.location, cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod }
              : actionName === 'shift-traffic-to-previous-revision' && subject.runtime === 'cloud-run' && subject.service
                ? { project: subject.projectId, region: subject.region, service: subject.service, ...(subject.revision ? { revision: subject.revision } : {}) }
                : actionName === 'notify-owner'
                  ? { recipients, caseId: input.caseId, summary }
                  : undefined;
          if (!params) {
            notes.push(`${actionName}: does not apply to this subject`);
            continue;
          }
          const module = actions[actionName];
          const result = await module.plan(context, module.parameters.parse(params) as never);
          if ('notApplicable' in result) notes.push(`${actionName}: ${result.notApplicable}`);
          else planned.push(result);
        }
        let radius: Plan['blastRadius'];
        try {
          radius = await blastRadius(deps.clients, subject);
        } catch (error) {
          // The plan stands without it; the approver is told what could not be assessed.
          radius = { runtime: subject.runtime, notes: [`blast radius not assessed: ${error instanceof Error ? error.message : String(error)}`] };
        }
        const body = { actions: planned, notes, advice: playbook.ifIntended, dryRun: input.dryRun, blastRadius: radius };
        return { ...body, createdAt: new Date().toISOString(), hash: planHash(body) };
      });
    },
  };
}

/** SHA-256 over the plan's canonical JSON (sorted keys): what an approval is bound to. */
export function planHash(body: Pick<Plan, 'actions' | 'notes' | 'advice' | 'dryRun' | 'blastRadius'>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
