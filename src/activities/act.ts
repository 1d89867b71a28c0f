import { actions } from '../actions';
import type { ActionResult, PlannedAction } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { classified } from './failures';

/** Step 7: one approved action, exactly as planned; in dry-run, what it would do and nothing more. */
export function actActivities(deps: ActivityDeps) {
  return {
    async applyAction(input: { caseId: string; action: PlannedAction; dryRun: boolean }): Promise<ActionResult> {
      return classified(async () => {
        const key = `${input.action.action}:${JSON.stringify(input.action.target)}`;
        const at = new Date().toISOString();
        const result: ActionResult = input.dryRun
          ? { action: input.action.action, target: JSON.stringify(input.action.target), status: 'dry-run', detail: `would: ${input.action.effect}`, at }
          : { ...(await actions[input.action.action].apply({ clients: deps.clients, notifier: deps.notifier }, input.action)), at };
        await deps.store.recordAction(input.caseId, key, result, input.dryRun);
        return result;
      });
    },
  };
}
