import type { CampaignRow } from '../cases/campaigns';
import type { CliContext } from './cli-context';
import { CommandError } from './command-error';
import type { CliIo } from './finding-check';
import { print, type Format } from './output';

/** The campaign commands: what `scc-responder campaigns list` and `campaign show` print, from the case store. */

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
  const campaign = await (await context.store()).campaign(campaignId);
  if (!campaign) throw new CommandError(`no campaign ${campaignId}`);
  print(io, options.format, campaign, () => [
    `${campaign.id}: ${shared(campaign)}`,
    `${campaign.cases} cases on ${campaign.pods} pods, ${campaign.workloads.length} workload(s), ${campaign.clusters} cluster(s), ${campaign.projects} project(s); ${statuses(campaign.byStatus)}`,
    `first case ${campaign.firstCaseAt}, last ${campaign.lastCaseAt}`,
    'workloads:',
    ...(campaign.workloads.length ? campaign.workloads.map((w) => `  ${w}`) : ['  none known yet (each comes from its case’s pod step)']),
    'cases:',
    ...campaign.members.map((m) => `  ${m.caseId}  ${m.status.padEnd(17)} ${m.project}  ${m.runtime === 'gke' ? `${m.cluster} ${m.namespace}/${m.pod}` : `${m.service ?? ''} ${m.revision ?? ''}`}  ${m.workload ?? '—'}${m.evidence === 'sampled' ? '  (sampled)' : ''}`),
    ...(campaign.members.length < campaign.cases ? [`  … the first ${campaign.members.length} of ${campaign.cases}`] : []),
  ]);
}
