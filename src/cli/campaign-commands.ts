import type { CampaignRow } from '../cases/campaigns';
import type { CampaignDecisionAnswer, CampaignPlan } from '../cases/campaign-plan';
import { callConsole, consoleCaller, type CallerOptions } from './console-caller';
import type { CliContext } from './cli-context';
import { CommandError } from './command-error';
import type { CliIo } from './finding-check';
import { print, type Format } from './output';

/** The campaign commands: what `scc-responder campaigns list` and `campaign show` print, from the case store; `campaign approve|reject`, through the console. */

const shared = (c: CampaignRow) => `${c.kind} ${c.indicator}${c.category ? ` running ${c.category}` : ''}`;
const statuses = (byStatus: Record<string, number>) =>
  Object.entries(byStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');

export async function campaignListCommand(context: CliContext, options: { format: Format }, io: CliIo): Promise<void> {
  const campaigns = await (await context.store()).listCampaigns();
  print(io, options.format, campaigns, () =>
    campaigns.length === 0
      ? ['no campaigns: no two cases share a script, binary or image']
      : campaigns.map((c) => `${c.id}  ${c.cases} cases, ${c.pods} pods, ${c.clusters} cluster(s), ${c.projects} project(s)  ${shared(c)}  (${statuses(c.byStatus)}; last ${c.lastCaseAt})`),
  );
}

export async function campaignShowCommand(context: CliContext, campaignId: string, options: { format: Format }, io: CliIo): Promise<void> {
  if (!/^campaign-[0-9a-f]{12}$/.test(campaignId)) throw new CommandError(`"${campaignId}" is not a campaign ID (campaign-XXXXXXXXXXXX)`, 2);
  const store = await context.store();
  const campaign = await store.campaign(campaignId);
  if (!campaign) throw new CommandError(`no campaign ${campaignId}`);
  const plan = await store.campaignPlan(campaignId);
  const deciding = plan && plan.cases.length > 0 ? plan : null;
  print(io, options.format, { ...campaign, plan: deciding }, () => [
    `${campaign.id}: ${shared(campaign)}`,
    `${campaign.cases} cases on ${campaign.pods} pods, ${campaign.workloads.length} workload(s), ${campaign.clusters} cluster(s), ${campaign.projects} project(s); ${statuses(campaign.byStatus)}`,
    `first case ${campaign.firstCaseAt}, last ${campaign.lastCaseAt}`,
    'workloads:',
    ...(campaign.workloads.length ? campaign.workloads.map((w) => `  ${w}`) : ['  none known yet (each comes from its case’s pod step)']),
    'cases:',
    ...campaign.members.map((m) => `  ${m.caseId}  ${m.status.padEnd(17)} ${m.project}  ${m.runtime === 'gke' ? `${m.cluster} ${m.namespace}/${m.pod}` : `${m.service ?? ''} ${m.revision ?? ''}`}  ${m.workload ?? '—'}${m.evidence === 'sampled' ? '  (sampled)' : ''}`),
    ...(campaign.members.length < campaign.cases ? [`  … the first ${campaign.members.length} of ${campaign.cases}`] : []),
    deciding
      ? `plan ${deciding.hash}: ${deciding.cases.length} case(s) waiting; ${Object.entries(deciding.actions).map(([action, n]) => `${action} ×${n}`).join(', ')}; ${deciding.blastRadius.workloads.length} workload(s), ${deciding.blastRadius.replicas} replica(s) (scc-responder campaign approve ${campaign.id} --plan ${deciding.hash})`
      : 'plan: no case waits for a decision',
  ]);
}

type CampaignAnswer = { campaignId: string; planHash: string; decision: 'approve' | 'reject'; cases: CampaignDecisionAnswer[] };

export async function campaignDecideCommand(context: CliContext, campaignId: string, decision: 'approve' | 'reject', options: CallerOptions & { reason?: string; plan?: string; format?: string }, io: CliIo): Promise<void> {
  if (!/^campaign-[0-9a-f]{12}$/.test(campaignId)) throw new CommandError(`"${campaignId}" is not a campaign ID (campaign-XXXXXXXXXXXX)`, 2);
  if (options.plan !== undefined && !/^[0-9a-f]{64}$/.test(options.plan)) throw new CommandError(`--plan: "${options.plan}" is not a plan hash (64 hex digits)`, 2);
  // Through the console, which authenticates the caller and signs the decision for each case to check.
  const caller = await consoleCaller(context.config, options);
  const detail = await callConsole<{ plan: CampaignPlan | null }>(caller, 'GET', `/api/campaigns/${campaignId}`);
  if (!detail.plan) throw new CommandError(`no case of ${campaignId} waits for a decision`);
  const planHash = options.plan ?? detail.plan.hash;
  // The cases read, with the hash: a storm that goes on joining the campaign meanwhile does not make the decision stale.
  const seen = planHash === detail.plan.hash ? { cases: detail.plan.cases.map(({ caseId, planHash: hash }) => ({ caseId, planHash: hash })) } : {};
  let answer: CampaignAnswer;
  try {
    answer = await callConsole<CampaignAnswer>(caller, 'POST', `/api/campaigns/${campaignId}/decision`, { decision, planHash, ...(options.reason ? { reason: options.reason } : {}), ...seen });
  } catch (error) {
    if (error instanceof CommandError && error.exitCode === 1) throw new CommandError(`${campaignId}: ${error.message}`);
    throw error;
  }
  const refused = answer.cases.filter((c) => c.outcome === 'refused');
  const unanswered = answer.cases.filter((c) => c.outcome === 'unanswered');
  print(io, options.format ?? 'text', answer, () => [
    `${campaignId}: ${decision} of plan ${answer.planHash.slice(0, 12)} sent to ${answer.cases.length} case(s): ${answer.cases.length - refused.length - unanswered.length} recorded, ${refused.length} refused${unanswered.length > 0 ? `, ${unanswered.length} unanswered` : ''}`,
    ...answer.cases.map((c) => `  ${c.caseId}  ${c.outcome === 'recorded' ? (c.approvalsNeeded ? `recorded; ${c.approvalsNeeded} more approval(s) needed` : 'recorded') : `${c.outcome}: ${c.error}`}`),
  ]);
  if (refused.length > 0 || unanswered.length > 0) {
    throw new CommandError([refused.length > 0 ? `${refused.length} of ${answer.cases.length} case(s) refused the decision` : '', unanswered.length > 0 ? `${unanswered.length} did not answer (see each case; decide again for those still waiting)` : ''].filter(Boolean).join('; '));
  }
}
