import type { Finding } from '../findings/model';
import { ownersFor } from '../notify/owners';
import type { Plan } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { classified } from './failures';

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
export async function sendCaseNotice({ notifier, store, clients, routing }: Pick<ActivityDeps, 'notifier' | 'store' | 'clients' | 'routing'>, input: { caseId: string; event: string; findings: Finding[]; plan?: Plan; detail?: string }): Promise<{ summary: string }> {
  const route = await ownersFor(input.findings, clients, routing?.defaultRecipients ?? []);
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
