import type { CampaignWorkload } from '../cases/campaign-workloads';
import type { ResponseStep } from '../findings/playbook';
import type { ActionName, PlannedAction } from '../workflows/shared';

/**
 * A campaign's response at the level of its cause. When several of its cases are pods of one
 * workload, what they share is the workload's template (its image), and a replacement pod runs
 * it again: the playbook's pod replacement becomes a rollback of the workload to the last
 * revision whose image none of the suspects ran, else scaling it to zero, with a few of the
 * pods kept for forensics. Where neither applies (a DaemonSet, a bare pod) the pod-level steps
 * remain as they were.
 */

/** The playbook steps that act on one pod by replacing it. */
const podReplacements: readonly ActionName[] = ['replace-pod', 'preserve-then-replace-pod'];

/** A workload has a template and a replica count only under these owners. */
const scalable = ['Deployment', 'StatefulSet', 'ReplicaSet'];

/** Two pods of one workload in one campaign are a pattern; one is a pod. */
export const casesForWorkloadResponse = 2;

export interface WorkloadResponse {
  response: readonly ResponseStep[];
  /** Parameters the workload actions take beside the finding's: what to keep, what not to roll back to. */
  parameters: Record<ActionName, Record<string, unknown>>;
  note: string;
  campaignId: string;
  /** The workload actions the campaign's cases planned: one that holds now is planned as it stands. */
  planned: readonly PlannedAction[];
}

export function workloadResponse(response: readonly ResponseStep[], found: CampaignWorkload | undefined): WorkloadResponse | undefined {
  if (!found || found.cases < casesForWorkloadResponse) return undefined;
  // A Cloud Run response already acts on the service (its traffic): the cases share it, and one that holds is planned as it stands.
  if (found.workload.kind === 'Service') {
    return { response, parameters: { 'notify-owner': ownerNotice(found, `revisions of Cloud Run service ${found.workload.name}`) }, planned: covering(found), campaignId: found.campaignId, note: `campaign ${found.campaignId}: ${found.cases} of its cases are revisions of Cloud Run service ${found.workload.name}, whose traffic is one thing to move for all of them` };
  }
  if (!scalable.includes(found.workload.kind)) return undefined;
  const { kind, name } = found.workload;
  const atWorkload: ActionName[] = [...(kind === 'Deployment' ? ['rollback-workload'] : []), 'scale-workload-to-zero'];
  let replaced = false;
  const swapped = response.map((step): ResponseStep => {
    const alternatives = [step].flat();
    if (!alternatives.some((a) => podReplacements.includes(a))) return step;
    replaced = true;
    return [...atWorkload, ...alternatives.filter((a) => !atWorkload.includes(a))];
  });
  if (!replaced) return undefined;
  const keep = found.keep.length ? `, keeping pod(s) ${found.keep.join(', ')} for forensics` : '';
  return {
    response: swapped,
    planned: covering(found),
    campaignId: found.campaignId,
    parameters: {
      'rollback-workload': { preserve: found.keep, avoid: found.images },
      'scale-workload-to-zero': { preserve: found.keep },
      'notify-owner': ownerNotice(found, `pods of ${kind} ${name}`),
    },
    note:
      `campaign ${found.campaignId}: ${found.cases} of its cases are pods of ${kind} ${name}, so what they share is its template, and a replacement pod would run it again: ` +
      `the plan acts on ${kind} ${name} (${atWorkload.join(', else ')})${keep}`,
  };
}

/** The owner hears of the campaign once, whichever of its cases acts first: the same notice in every case's plan. */
function ownerNotice(found: CampaignWorkload, what: string): Record<string, unknown> {
  return { campaignId: found.campaignId, campaignSummary: `${what} are cases of campaign ${found.campaignId}, one incident: the plan acts on the ${found.workload.kind === 'Service' ? 'service' : 'workload'} for all of them` };
}

/** The campaign's actions that could contain this case: none that moves the workload to what this case's subject, or any suspect, ran. */
function covering(found: CampaignWorkload): PlannedAction[] {
  const own = new Set(found.own);
  const suspects = new Set([...found.own, ...found.images]);
  return found.planned.filter((action) => {
    const target = action.target;
    if (target.kind === 'deployment-rollback') return !suspects.has(target.to.image);
    if (target.kind === 'cloud-run-service') return !own.has(target.toRevision);
    return true;
  });
}
