import { z } from 'zod';
import type { ActionModule } from './action';

/** Tells the owner what was found and what was done (the runbook: contact the owner). */

/** The owner route as notices find it (src/notify/owners.ts): the recipients, and what named them. */
const parameters = z.object({
  recipients: z.array(z.string()),
  routedBy: z.string().default('no route'),
  caseId: z.string(),
  summary: z.string(),
  /** The campaign the case's plan acts for at its workload: one notice for all of its cases, with the campaign's summary. */
  campaignId: z.string().optional(),
  campaignSummary: z.string().optional(),
});

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
    // For a campaign, every case plans the same notice and the first to act sends it: the owner hears of the incident once.
    if (params.campaignId) {
      return {
        action: 'notify-owner',
        target: { kind: 'owner', recipients, campaignId: params.campaignId },
        effect: `Notify ${whom} of campaign ${params.campaignId}, once for all of its cases: ${params.campaignSummary ?? params.summary}`,
        destructive: false,
        permissions: notifyOwner.permissions,
      };
    }
    return {
      action: 'notify-owner',
      target: { kind: 'owner', recipients },
      effect: `Notify ${whom} of case ${params.caseId}: ${params.summary}`,
      destructive: false,
      permissions: notifyOwner.permissions,
    };
  },

  async apply({ notifier, ownerNotices }, action) {
    const target = action.target;
    const recipients = target.kind === 'owner' ? target.recipients : [];
    const campaignId = target.kind === 'owner' ? target.campaignId : undefined;
    const whom = recipients.join(', ') || 'the notification channels';
    const send = () => notifier.send({ event: 'owner-notice', recipients, text: action.effect, ...(campaignId ? { id: `${campaignId}:owner-notice`, campaignId } : {}) });
    if (campaignId && ownerNotices) {
      const told = await ownerNotices.tellOnce(campaignId, recipients, send);
      if (told.status === 'told') return { action: 'notify-owner', target: whom, status: 'already-done', detail: `told of campaign ${campaignId} already${told.by ? `, by case ${told.by}` : ''}` };
      return { action: 'notify-owner', target: whom, status: told.status === 'sent' ? 'applied' : 'skipped', detail: told.status === 'sent' ? `sent, for campaign ${campaignId}` : 'no notification route is configured' };
    }
    const sent = await send();
    return { action: 'notify-owner', target: whom, status: sent ? 'applied' : 'skipped', detail: sent ? 'sent' : 'no notification route is configured' };
  },

  /** A campaign's owner notice that went out is this case's too: the owner was told of the incident it is part of. */
  async holds({ ownerNotices }, action) {
    const target = action.target;
    return target.kind === 'owner' && target.campaignId !== undefined && ownerNotices !== undefined && (await ownerNotices.told(target.campaignId, target.recipients));
  },
};
