import { z } from 'zod';
import type { ActionModule } from './action';

/** Tells the owner what was found and what was done (the runbook: contact the owner). */

/** The owner route as notices find it (src/notify/owners.ts): the recipients, and what named them. */
const parameters = z.object({ recipients: z.array(z.string()), routedBy: z.string().default('no route'), caseId: z.string(), summary: z.string() });

export const notifyOwner: ActionModule<z.infer<typeof parameters>> = {
  name: 'notify-owner',
  description: 'Notify the owner of the compromised workload, by the configured route.',
  permissions: ['network: the notification webhook'],
  destructive: false,
  parameters,
  parametersFrom: ({ owner }) => owner,
  preconditions: ['a notification route is configured'],

  async plan({ notifier }, params) {
    if (!notifier.configured) return { notApplicable: 'no notification route is configured' };
    // The target is who will be told, exactly: a placeholder here would be sent as an address.
    const { recipients } = params;
    const whom = recipients.length > 0 ? `${recipients.join(', ')} (${params.routedBy})` : `the notification channels (no owner address: ${params.routedBy})`;
    return {
      action: 'notify-owner',
      target: { kind: 'owner', recipients },
      effect: `Notify ${whom} of case ${params.caseId}: ${params.summary}`,
      destructive: false,
      permissions: notifyOwner.permissions,
    };
  },

  async apply({ notifier }, action) {
    const target = action.target;
    const recipients = target.kind === 'owner' ? target.recipients : [];
    const sent = await notifier.send({ event: 'owner-notice', recipients, text: action.effect });
    return { action: 'notify-owner', target: recipients.join(', ') || 'the notification channels', status: sent ? 'applied' : 'skipped', detail: sent ? 'sent' : 'no notification route is configured' };
  },
};
