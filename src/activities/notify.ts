import type { Finding } from '../findings/model';
import { ownersFor } from '../notify/owners';
import type { Plan } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { classified } from './failures';
import { campaignNotice, foldableEvents, routeKey } from '../notify/campaign-notice';
import { campaignNoticeLeaseSeconds, deliverOnTurn } from './campaign-notice-turns';

/** Notices at the case's turning points: ready for decision, escalated, decided, contained, expired. */

const headlines: Record<string, string> = {
  'ready-for-decision': 'ready for a decision',
  escalated: 'escalated: still waiting for a decision',
  decided: 'decided',
  contained: 'contained',
  'partially-contained': 'partly contained: an action failed, see its record',
  expired: 'closed without a decision',
  failed: 'failed: the case stopped before it finished, see its record',
};

/** The command that acts on the case now: decide while it waits, otherwise look at it. */
export function commandFor(caseId: string, event: string): string {
  return event === 'ready-for-decision' || event === 'escalated' ? `scc-responder approve ${caseId}   (or: scc-responder reject ${caseId} --reason "…")` : `scc-responder status ${caseId}`;
}

export function notifyActivities(deps: ActivityDeps) {
  return {
    async notify(input: { caseId: string; event: string; findings: Finding[]; plan?: Plan }): Promise<{ summary: string }> {
      return classified(() => sendCaseNotice(deps, input));
    },
  };
}

/** A notice about a case to its owner route, recorded on its timeline: from the workflow, or from the reconciler for a run that ended without saying so. */
export async function sendCaseNotice(deps: Pick<ActivityDeps, 'notifier' | 'store' | 'clients' | 'routing'>, input: { caseId: string; event: string; findings: Finding[]; plan?: Plan; detail?: string }): Promise<{ summary: string }> {
  const { notifier, store, clients, routing } = deps;
  const route = await ownersFor(input.findings, clients, routing?.defaultRecipients ?? []);
  const folded = await foldIntoCampaign(deps, input, route);
  if (folded) return folded;
  const primary = input.findings[0];
  const subject = `Case ${input.caseId} ${headlines[input.event] ?? input.event}${primary ? `: ${primary.category} (${primary.severity})` : ''}`;
  const text =
    `Case ${input.caseId}: ${input.event}. ${primary ? `${primary.category} (${primary.severity})` : ''}` +
    (input.event === 'ready-for-decision' && input.plan
      ? ` Plan ${input.plan.hash.slice(0, 12)}: ${input.plan.actions.map((a) => a.effect).join(' ')} Approve: scc-responder approve ${input.caseId}`
      : '') +
    (input.detail ? ` ${input.detail}` : '');
  const waiting = input.event === 'ready-for-decision' || input.event === 'escalated';
  const decidedBy = waiting ? [] : [...new Set(((await store.caseById(input.caseId))?.decision ?? []).map((d) => d.approver))];
  const sent = await notifier.send({
    id: `${input.caseId}:${input.event}`,
    event: input.event,
    recipients: route.recipients,
    routedBy: route.routedBy,
    subject,
    text,
    caseId: input.caseId,
    ...(routing?.consoleUrl ? { consoleUrl: `${routing.consoleUrl.replace(/\/+$/, '')}/cases/${input.caseId}` } : {}),
    command: commandFor(input.caseId, input.event),
    ...(waiting && input.plan ? { planHash: input.plan.hash } : {}),
    ...(decidedBy.length > 0 ? { decidedBy } : {}),
  });
  await store.addEvent(input.caseId, { key: `notice:${input.event}`, at: new Date().toISOString(), kind: 'notice', outcome: sent ? 'sent' : 'no-route', detail: { event: input.event, recipients: route.recipients, routedBy: route.routedBy } });
  return { summary: sent ? `notice "${input.event}" sent to ${route.recipients.join(', ') || 'the channels'} (${route.routedBy})` : `notice "${input.event}": no route configured` };
}

/**
 * A case of a campaign is told of with its campaign: the case whose turn it is sends the
 * campaign's notice, the others record that theirs was folded into it; so is one the campaign
 * contained before it ever waited. A case whose first notice went out on its own (it was alone
 * in its campaign then) keeps its own notices, so that whoever was told of it hears how it
 * ended; and so do failures. Undefined: the case's own notice goes out.
 */
async function foldIntoCampaign({ notifier, store, routing }: Pick<ActivityDeps, 'notifier' | 'store' | 'routing'>, input: { caseId: string; event: string }, route: { recipients: string[]; routedBy: string }): Promise<{ summary: string } | undefined> {
  const intervalMinutes = routing?.campaignNoticeMinutes ?? 0;
  if (intervalMinutes <= 0 || !notifier.configured || !foldableEvents.has(input.event)) return undefined;
  // Told of on its own once, told so to the end; never told (contained by the campaign before it waited), told with it.
  const { readyNotice: first, campaign } = await store.noticeStanding(input.caseId);
  if (first !== undefined && first !== 'campaign' && first !== 'folded') return undefined;
  if (!campaign) return undefined;
  const turn = { campaignId: campaign.campaignId, event: input.event, route: routeKey(route.recipients), caseId: input.caseId };
  // Once every case of the campaign is closed, one of them tells the final count, however recent the last notice.
  const last = input.event !== 'ready-for-decision' && input.event !== 'escalated' && campaign.open === 0;
  const taken = await store.takeCampaignNoticeTurn({ ...turn, cases: campaign.cases, open: campaign.open, intervalMinutes, leaseSeconds: campaignNoticeLeaseSeconds, last });
  const at = new Date().toISOString();
  const about = { event: input.event, campaign: campaign.campaignId, recipients: route.recipients, routedBy: route.routedBy };
  if (!taken.mine) {
    await store.addEvent(input.caseId, { key: `notice:${input.event}`, at, kind: 'notice', outcome: 'folded', detail: { ...about, ...(taken.holder ? { heldBy: taken.holder } : {}) } });
    return { summary: `notice "${input.event}" folded into campaign ${campaign.campaignId}'s notice${taken.holder ? `, sent by case ${taken.holder}` : ''}` };
  }
  const detail = await store.campaign(campaign.campaignId);
  if (!detail) return undefined;
  const notice = campaignNotice(detail, { event: input.event, recipients: route.recipients, routedBy: route.routedBy, claimedAt: taken.claimedAt ?? at, ...(routing?.consoleUrl ? { consoleUrl: routing.consoleUrl } : {}) });
  await deliverOnTurn(store, turn, () => notifier.send(notice));
  await store.addEvent(input.caseId, { key: `notice:${input.event}`, at, kind: 'notice', outcome: 'campaign', detail: { ...about, cases: detail.cases, byStatus: detail.byStatus, open: campaign.open, last } });
  return { summary: `notice "${input.event}" sent as campaign ${campaign.campaignId}'s (${detail.cases} cases) to ${route.recipients.join(', ') || 'the channels'} (${route.routedBy})` };
}
