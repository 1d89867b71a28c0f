import type { CampaignDetail } from '../cases/campaigns';
import type { Notice } from './notice';

/**
 * The turns a campaign's notice speaks for. A failed case and a partly contained one always
 * go out on their own: someone has to look at that case in particular.
 */
export const foldableEvents: ReadonlySet<string> = new Set(['ready-for-decision', 'escalated', 'decided', 'contained', 'expired']);

/** Events that ask for a decision: the campaign's notice names its plan's commands. */
const waitingEvents: ReadonlySet<string> = new Set(['ready-for-decision', 'escalated']);

/** A route as one key: the same people, in any order, are one route. */
export function routeKey(recipients: readonly string[]): string {
  return [...new Set(recipients.map((r) => r.toLowerCase()))].sort().join(',');
}

const headlines: Record<string, string> = {
  'ready-for-decision': 'cases ready for one decision',
  escalated: 'escalated: cases still waiting for a decision',
  decided: 'cases decided',
  contained: 'cases contained',
  expired: 'cases closed without a decision',
};

/** The campaign's notice for one turn: what its cases share, where they run, how they stand, and the one decision that covers them. */
export function campaignNotice(campaign: CampaignDetail, input: { event: string; recipients: string[]; routedBy: string; claimedAt: string; consoleUrl?: string }): Notice {
  const { id } = campaign;
  const statuses = Object.entries(campaign.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const indicator = `${campaign.kind} ${campaign.indicator.slice(0, 16)}${campaign.indicator.length > 16 ? '…' : ''}`;
  const shown = campaign.workloads.slice(0, 5);
  const workloads = shown.length > 0 ? ` Workloads: ${shown.join(', ')}${campaign.workloads.length > shown.length ? ` and ${campaign.workloads.length - shown.length} more` : ''}.` : '';
  const waiting = waitingEvents.has(input.event);
  const text =
    `Campaign ${id}: ${campaign.cases} cases${campaign.category ? ` of ${campaign.category}` : ''} sharing ${indicator}, on ${campaign.pods} pod(s) in ${campaign.clusters} cluster(s) of ${campaign.projects} project(s): ${statuses}.${workloads}` +
    (waiting ? " One decision on the campaign's plan covers every case that waits on it; each case's own notice is folded into this one." : " Each case's own notice is folded into this one.");
  return {
    id: `${id}:${input.event}:${input.claimedAt}`,
    event: input.event,
    recipients: input.recipients,
    routedBy: input.routedBy,
    subject: `Campaign ${id}: ${headlines[input.event] ?? input.event}${campaign.category ? `: ${campaign.category}` : ''}`,
    text,
    campaignId: id,
    ...(input.consoleUrl ? { consoleUrl: `${input.consoleUrl.replace(/\/+$/, '')}/campaigns/${id}` } : {}),
    command: waiting ? `scc-responder campaign show ${id}   (then: scc-responder campaign approve ${id} --plan <hash>)` : `scc-responder campaign show ${id}`,
  };
}
