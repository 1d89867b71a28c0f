import { createHash } from 'node:crypto';
import { actions } from '../actions';
import type { ActionContext, ActionModule } from '../actions/action';
import { playbookFor } from '../findings/categories';
import type { Finding } from '../findings/model';
import type { ActionName, Plan, PlannedAction, Policy } from '../workflows/shared';
import type { Playbook, ResponseStep } from '../findings/playbook';
import type { PlaybookId } from '../findings/categories';
import type { Runtime } from '../findings/vocabulary';
import { blastRadius } from './blast-radius';
import { canonicalJson, canonicalJsonFor, type Canonicalization } from '../util/canonical-json';
import type { ActivityDeps } from './deps';
import { classified } from './failures';
import { manualSteps } from './manual-steps';
import { CloudError, PermanentCloudError } from '../cloud/errors';
import { atOneMoment } from '../cloud';
import { permissionFor } from '../deploy/operation-permissions';
import { workloadStillRunning } from './gone-pod-owner';
import { ownersFor } from '../notify/owners';
import { workloadResponse } from './campaign-response';
import { campaignOwnerNotices } from './owner-notices';

/** The containment plan: the playbook's response against the current state, with exact targets. */
export function planActivities(deps: ActivityDeps) {
  const registry = deps.actions ?? actions;
  return {
    async planContainment(input: { caseId: string; findings: Finding[]; dryRun: boolean; responses?: Policy['responses']; flagged?: string[] }): Promise<Plan> {
      return classified(async () => {
        const onRecord = ((await deps.store.caseById(input.caseId))?.plan as Plan | null | undefined)?.actions ?? [];
        // One plan, one state of the cluster: its routing, actions and blast radius read the pod once, and agree on it.
        // A first plan takes the pod as the pod step just read it; a plan made again (before acting, or for a finding that joined) reads it afresh.
        const clients = atOneMoment(deps.clients, { podsReadWithinTtl: onRecord.length === 0 });
        const context: ActionContext = { clients, notifier: deps.notifier, ownerNotices: campaignOwnerNotices(deps.store, input.caseId) };
        const primary = input.findings[0]!;
        const { subject } = primary;
        const playbook = playbookFor(primary.category);
        const planned: PlannedAction[] = [];
        const notes: string[] = [];
        // Told as the case's notices are: the finding's contacts, the owner annotations, the default route.
        const route = await ownersFor(input.findings, clients, deps.routing?.defaultRecipients ?? []);
        const summary = `${primary.category} on ${subject.runtime === 'gke' ? `${subject.namespace}/${subject.pod}` : (subject.revision ?? subject.service ?? subject.job)}`;
        const playbookResponse = responseFor(playbook, subject.runtime, input.responses, input.flagged ?? [], notes);
        // Several pods of one workload in one campaign: the response belongs to the workload.
        const atWorkload = deps.campaignResponse ? workloadResponse(playbookResponse, await deps.store.campaignWorkload(input.caseId, deps.campaignResponse.preservePods)) : undefined;
        if (atWorkload) notes.push(atWorkload.note);
        const response = atWorkload?.response ?? playbookResponse;
        /** Where in `planned` the campaign's actions stand that hold already. */
        const held: number[] = [];
        /** Why an action could not be planned at all: the target could not be read (gone, unknown, denied). */
        const unreachable: string[] = [];
        for (const responseStep of response) {
          const alternatives: readonly ActionName[] = typeof responseStep === 'string' ? [responseStep] : responseStep;
          const passedOver: string[] = [];
          let chosen: ActionName | undefined;
          for (const actionName of alternatives) {
            const module = registry.find(actionName);
            if (!module) {
              passedOver.push(`${actionName}: the response names it, but this worker has no action of that name`);
              continue;
            }
            const params = module.parametersFrom({ finding: primary, owner: { ...route, caseId: input.caseId, summary } });
            if (!params) {
              passedOver.push(`${actionName}: does not apply to this subject`);
              continue;
            }
            // Made again (just before acting, or for a finding that joined): a step of the plan on record that someone
            // has put in place meanwhile (another case of the campaign, say), or whose target has not changed, stays as
            // it was, and the approval stands.
            const inPlace = await standing(context, module, onRecord, true);
            if (inPlace) {
              if (inPlace.done) notes.push(`${actionName}: in place already, as the plan on record has it`);
              // The same change as the campaign's cases planned, put in place for them: the campaign's containment of this case too.
              if (inPlace.done && atWorkload?.planned.some((action) => canonicalJson(action) === canonicalJson(inPlace.action))) held.push(planned.length);
              planned.push(inPlace.action);
              chosen = actionName;
              break;
            }
            const campaigns = atWorkload ? await standing(context, module, atWorkload.planned, true) : undefined;
            if (campaigns) {
              notes.push(
                campaigns.done
                  ? `${actionName}: done already for ${atWorkload!.campaignId}, as its cases planned it: it contains this pod too`
                  : `${actionName}: as ${atWorkload!.campaignId}'s cases planned it (its target unchanged since): one change for all of them`,
              );
              if (campaigns.done) held.push(planned.length);
              planned.push(campaigns.action);
              chosen = actionName;
              break;
            }
            let result: PlannedAction | { notApplicable: string };
            try {
              result = await module.plan(context, module.parameters.parse({ ...(params as object), ...atWorkload?.parameters[actionName] }) as never);
            } catch (error) {
              // A target that cannot be read is a reason in the plan, not the end of the case; transient errors retry.
              if (!(error instanceof PermanentCloudError)) throw error;
              result = { notApplicable: `cannot be planned: ${refusalText(error)}` };
              unreachable.push(`${actionName}: ${error.message}`);
            }
            if ('notApplicable' in result) {
              passedOver.push(`${actionName}: ${result.notApplicable}`);
              continue;
            }
            planned.push(result);
            chosen = actionName;
            break;
          }
          const fallback = chosen && alternatives[0] !== chosen ? ` (${chosen} planned instead)` : '';
          notes.push(...passedOver.map((note) => note + fallback));
        }
        // The pod is gone but what ran it still runs the same template: the workload is what can still be acted on.
        if (subject.runtime === 'gke' && !planned.some((a) => a.destructive)) {
          const owner = await workloadStillRunning({ clients, store: deps.store }, input.caseId, subject);
          if (owner) {
            const result = await registry.get('scale-workload-to-zero').plan(context, { project: subject.projectId, location: subject.location, cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod, workload: owner } as never);
            if ('notApplicable' in result) notes.push(`scale-workload-to-zero: ${result.notApplicable}`);
            else {
              planned.push(result);
              notes.push(`pod ${subject.namespace}/${subject.pod} is gone, but ${owner.kind} ${owner.name} that ran it still runs the same template: the plan acts on the workload`);
            }
          }
        }
        let radius: Plan['blastRadius'];
        try {
          radius = await blastRadius(clients, subject);
        } catch (error) {
          // The plan stands without it; the approver is told what could not be assessed, and what it would take.
          radius = { runtime: subject.runtime, notes: [`blast radius not assessed: ${refusalText(error)}`] };
        }
        for (const action of planned) {
          const contribute = registry.find(action.action)?.blastRadius;
          if (!contribute) continue;
          try {
            const extra = await contribute(context, action);
            radius = { ...radius, ...extra, notes: [...radius.notes, ...(extra.notes ?? [])] };
          } catch (error) {
            if (!(error instanceof CloudError)) throw error;
            radius = { ...radius, notes: [...radius.notes, `${action.action}: what else it touches was not assessed: ${refusalText(error)}`] };
          }
        }
        // Nothing contains the threat: the responder gets the runbook's manual steps, and decides to close or keep watching.
        const manual = planned.some((a) => a.destructive) ? {} : { manualSteps: manualSteps(primary, unreachable) };
        const ownDestructive = planned.some((a, i) => a.destructive && !held.includes(i));
        const campaignHeld = atWorkload && held.length > 0 && !ownDestructive ? { campaignHeld: { campaignId: atWorkload.campaignId, actions: held } } : {};
        const body = { actions: planned, findings: input.findings.map((f) => f.name), notes, advice: playbook.ifIntended, dryRun: input.dryRun, blastRadius: radius, ...manual, ...campaignHeld, canonicalization };
        return { ...body, createdAt: new Date().toISOString(), hash: planHash(body) };
      });
    },

    /** The plan when none could be made (the cloud kept failing): nothing to apply, the manual steps and why. */
    async planWithoutActions(input: { caseId: string; findings: Finding[]; dryRun: boolean; reason: string }): Promise<Plan> {
      const primary = input.findings[0]!;
      const body = {
        actions: [],
        findings: input.findings.map((f) => f.name),
        notes: [`no action could be planned: ${input.reason}`],
        advice: playbookFor(primary.category).ifIntended,
        dryRun: input.dryRun,
        manualSteps: manualSteps(primary, [input.reason]),
        canonicalization,
      };
      return { ...body, createdAt: new Date().toISOString(), hash: planHash(body) };
    },
  };
}

/**
 * An action planned before (the plan on record, or the campaign's cases' plans), planned as it
 * is: done already, or (`orCurrent`) still standing against an unchanged target, the same change
 * for every case of the campaign, read once instead of planned again.
 */
async function standing(context: ActionContext, module: ActionModule<unknown>, planned: readonly PlannedAction[], orCurrent: boolean): Promise<{ action: PlannedAction; done: boolean } | undefined> {
  for (const action of planned) {
    if (action.action !== module.name) continue;
    try {
      if (module.holds && (await module.holds(context, action))) return { action, done: true };
      if (orCurrent && module.current && (await module.current(context, action))) return { action, done: false };
    } catch (error) {
      // Unreadable now: planning it afresh says why; a transient error retries the plan.
      if (!(error instanceof PermanentCloudError)) throw error;
    }
  }
  return undefined;
}

/**
 * The playbook's response (or the policy's), and when the research flagged what ran, the steps
 * the playbook adds for that, each once; the plan's notes say why they are there.
 */
function responseFor(playbook: Playbook, runtime: Runtime, responses: Policy['responses'], flagged: string[], notes: string[]): readonly ResponseStep[] {
  const chosen = responses?.[playbook.id as PlaybookId];
  const response = chosen?.[runtime] ?? playbook.defaultResponse[runtime];
  if (flagged.length === 0) return response;
  const named = new Set(response.flat());
  const added = (chosen?.whenFlagged?.[runtime] ?? playbook.whenFlagged?.[runtime] ?? []).filter((step) => ![step].flat().some((name) => named.has(name)));
  if (added.length) notes.push(`the research flagged what ran (${flagged.join('; ')}): the response adds ${added.map((s) => [s].flat().join(' or ')).join(', ')}`);
  return [...response, ...added];
}

/** An error in words, with the permission it takes when it is a refusal. */
function refusalText(error: unknown): string {
  if (!(error instanceof CloudError)) return error instanceof Error ? error.message : String(error);
  const permission = error.status === '403' || error.status === 'PERMISSION_DENIED' ? permissionFor(error.context) : undefined;
  return `${error.message}${permission ? ` (needs ${permission})` : ''}`;
}

/** How plans are hashed now; a plan that names none was hashed with the legacy canonical JSON. */
const canonicalization: Canonicalization = 'rfc8785';

/** SHA-256 over the plan's canonical JSON (RFC 8785, or what the plan names): what an approval is bound to. */
export function planHash(body: Pick<Plan, 'actions' | 'findings' | 'notes' | 'advice' | 'dryRun' | 'blastRadius' | 'manualSteps' | 'campaignHeld' | 'canonicalization'>): string {
  return createHash('sha256').update(canonicalJsonFor(body.canonicalization)(body)).digest('hex');
}
