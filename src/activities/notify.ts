import type { Finding } from '../findings/model';
import type { Plan } from '../workflows/shared';
import type { ActivityDeps } from './deps';

/** Notices at the case's turning points: ready for decision, escalated, decided, contained, expired. */
export function notifyActivities({ notifier, store }: ActivityDeps) {
  return {
    async notify(input: { caseId: string; event: string; findings: Finding[]; plan?: Plan }): Promise<{ summary: string }> {
      const recipients = [...new Set(input.findings.flatMap((f) => f.contacts.map((c) => c.email)))];
      const primary = input.findings[0];
      const text =
        `Case ${input.caseId}: ${input.event}. ${primary ? `${primary.category} (${primary.severity})` : ''}` +
        (input.event === 'ready-for-decision' && input.plan
          ? ` Plan ${input.plan.hash.slice(0, 12)}: ${input.plan.actions.map((a) => a.effect).join(' ')} Approve: scc-responder approve ${input.caseId} --as EMAIL`
          : '');
      const sent = await notifier.send({ event: input.event, recipients, text, caseId: input.caseId });
      await store.addEvent(input.caseId, { key: `notice:${input.event}`, at: new Date().toISOString(), kind: 'notice', outcome: sent ? 'sent' : 'no-route', detail: { event: input.event, recipients } });
      return { summary: sent ? `notice "${input.event}" sent` : `notice "${input.event}": no route configured` };
    },
  };
}
