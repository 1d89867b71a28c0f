import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CaseStore } from '../cases/case-store';
import { bounded } from '../util/bounded';
import { campaignActedSignal, type PlannedAction } from '../workflows/shared';

/** Tells a campaign's cases that one of them put a workload action in place. */
export interface CampaignPeers {
  /** After `caseId` applied `action`: each case of its campaigns that waits, or may yet, hears of it; how many did. */
  acted(caseId: string, action: PlannedAction): Promise<number>;
}

/** The workload actions whose one change contains the pods of many cases. */
export const campaignWideActions: readonly string[] = ['rollback-workload', 'scale-workload-to-zero', 'shift-traffic-to-previous-revision'];

/**
 * Through the Temporal client: a signal each, which only changes the case's state; the case plans
 * again in its own workflow and decides for itself whether the change contains it. A case closed
 * meanwhile has nothing to hear.
 */
export function campaignPeers(store: CaseStore, client: Client): CampaignPeers {
  return {
    async acted(caseId, action) {
      const peers = await store.casesThatMayWaitInCampaign(caseId);
      let told = 0;
      await bounded(peers, 8, async (peer) => {
        try {
          await client.workflow.getHandle(peer.workflowId, peer.runId).signal(campaignActedSignal, { campaignId: peer.campaignId, action: action.action, byCase: caseId });
          told++;
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      });
      return told;
    },
  };
}
