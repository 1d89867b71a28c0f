import { ApplicationFailure, Context } from '@temporalio/activity';
import { approvalProblem, heldOnly } from './approval-check';
import type { ActionContext, ActionModule } from '../actions/action';
import { actions } from '../actions';
import type { ActionResult, PlannedAction } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { classified } from './failures';
import { actionKey } from './revert';
import { campaignWideActions } from './campaign-peers';
import { campaignOwnerNotices } from './owner-notices';

/** Step 7: one approved action, exactly as planned; in dry-run, what it would do and nothing more. */
export function actActivities(deps: ActivityDeps) {
  return {
    async applyAction(input: { caseId: string; action: PlannedAction; dryRun: boolean }): Promise<ActionResult> {
      const record = input.dryRun ? undefined : await deps.store.caseById(input.caseId);
      if (!input.dryRun) {
        const refused = approvalProblem(record, input.action, deps.decisionRules, deps.actions ?? actions);
        if (refused) throw ApplicationFailure.create({ message: `${input.action.action} refused: ${refused}`, type: 'Unauthorized', nonRetryable: true });
      }
      const checkOnly = !input.dryRun && heldOnly(record, input.action);
      return classified(async () => {
        const key = actionKey(input.action);
        // Heartbeats keep a long apply alive, and let a dead worker's attempt be noticed fast.
        const beat = setInterval(() => Context.current().heartbeat(key), 2_000);
        const at = new Date().toISOString();
        let result: ActionResult;
        try {
          const module = (deps.actions ?? actions).get(input.action.action);
          const context: ActionContext = { clients: deps.clients, notifier: deps.notifier, ownerNotices: campaignOwnerNotices(deps.store, input.caseId) };
          result = input.dryRun
            ? { action: input.action.action, target: JSON.stringify(input.action.target), status: 'dry-run', detail: `would: ${input.action.effect}`, at }
            : checkOnly
              ? { ...(await stillHeld(module, context, input.action)), at }
              : { ...(await module.apply(context, input.action)), at };
          await deps.store.recordAction(input.caseId, key, result, input.dryRun);
          // Still beating: a campaign of thousands of cases takes a while to tell.
          if (result.status === 'applied' && campaignWideActions.includes(input.action.action)) await tellCampaign(deps, input.caseId, input.action);
        } finally {
          clearInterval(beat);
        }
        return result;
      });
    },
  };
}

/** A campaign's action in a case it contains: found in place, or refused for a decision of the case's own; never applied. */
async function stillHeld(module: ActionModule<unknown>, context: ActionContext, action: PlannedAction): Promise<Omit<ActionResult, 'at'>> {
  const target = JSON.stringify(action.target);
  if (module.holds && (await module.holds(context, action))) return { action: action.action, target, status: 'already-done', detail: "in place: the campaign's containment, approved for its cases" };
  return { action: action.action, target, status: 'refused', detail: "the campaign's containment no longer holds (reverted or changed since): this case needs a decision of its own" };
}

/**
 * The campaign's cases that are investigating or waiting hear of the change just made, and may
 * find themselves contained. Told after the action is recorded, and never at its cost: a case
 * not told waits for its decision, as it would have.
 */
async function tellCampaign(deps: ActivityDeps, caseId: string, action: PlannedAction): Promise<void> {
  if (!deps.campaignPeers) return;
  try {
    const told = await deps.campaignPeers.acted(caseId, action);
    if (told > 0) Context.current().log.info(`${action.action} in place: ${told} waiting case(s) of the campaign told`, { caseId });
  } catch (error) {
    Context.current().log.warn(`${action.action} in place, but the campaign's waiting cases were not told: ${error instanceof Error ? error.message : String(error)}`, { caseId });
  }
}
