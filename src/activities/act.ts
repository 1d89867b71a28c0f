import { ApplicationFailure, Context } from '@temporalio/activity';
import { approvalProblem } from './approval-check';
import { actions } from '../actions';
import type { ActionResult, PlannedAction } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { classified } from './failures';
import { actionKey } from './revert';

/** Step 7: one approved action, exactly as planned; in dry-run, what it would do and nothing more. */
export function actActivities(deps: ActivityDeps) {
  return {
    async applyAction(input: { caseId: string; action: PlannedAction; dryRun: boolean }): Promise<ActionResult> {
      if (!input.dryRun) {
        const refused = approvalProblem(await deps.store.caseById(input.caseId), input.action, deps.decisionRules, deps.actions ?? actions);
        if (refused) throw ApplicationFailure.create({ message: `${input.action.action} refused: ${refused}`, type: 'Unauthorized', nonRetryable: true });
      }
      return classified(async () => {
        const key = actionKey(input.action);
        // Heartbeats keep a long apply alive, and let a dead worker's attempt be noticed fast.
        const beat = setInterval(() => Context.current().heartbeat(key), 2_000);
        const at = new Date().toISOString();
        let result: ActionResult;
        try {
          result = input.dryRun
            ? { action: input.action.action, target: JSON.stringify(input.action.target), status: 'dry-run', detail: `would: ${input.action.effect}`, at }
            : { ...(await (deps.actions ?? actions).get(input.action.action).apply({ clients: deps.clients, notifier: deps.notifier }, input.action)), at };
        } finally {
          clearInterval(beat);
        }
        await deps.store.recordAction(input.caseId, key, result, input.dryRun);
        return result;
      });
    },
  };
}
