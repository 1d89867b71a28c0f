import type { CampaignOwnerNotices } from '../actions/action';
import type { CaseStore } from '../cases/case-store';
import { TransientCloudError } from '../cloud/errors';
import { routeKey } from '../notify/campaign-notice';
import { campaignNoticeLeaseSeconds, deliverOnTurn } from './campaign-notice-turns';

const event = 'owner-notice';

/**
 * A campaign's owner notice, sent by the first of its cases to act and recorded in the case
 * store, so that every other case finds it sent (`already-done`) instead of telling the owner
 * again: one notice for the incident, not one per pod. `caseId` is the case acting now.
 */
export function campaignOwnerNotices(store: CaseStore, caseId: string): CampaignOwnerNotices {
  return {
    told: (campaignId, recipients) => store.campaignNoticeSent(campaignId, event, routeKey(recipients)),
    async tellOnce(campaignId, recipients, send) {
      const turn = { campaignId, event, route: routeKey(recipients), caseId };
      const taken = await store.takeCampaignNoticeTurn({ ...turn, cases: 0, open: 0, intervalMinutes: 0, leaseSeconds: campaignNoticeLeaseSeconds, once: true });
      if (!taken.mine) {
        if (taken.delivered) return { status: 'told', ...(taken.holder ? { by: taken.holder } : {}) };
        // Another case is sending it: this one's attempt comes back, and finds it sent, or the lease passed.
        throw new TransientCloudError({ service: 'notify', operation: 'notify owner', target: `of campaign ${campaignId}` }, undefined, `case ${taken.holder ?? 'another case'} is sending it`);
      }
      return { status: (await deliverOnTurn(store, turn, send)) ? 'sent' : 'no-route' };
    },
  };
}
