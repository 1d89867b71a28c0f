import { revertProblem } from './approval-check';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { actions } from '../actions';
import type { ActionResult, PlannedAction } from '../workflows/shared';
import type { ActivityDeps } from './deps';
import { classified } from './failures';
import { canonicalJson } from '../util/canonical-json';

/** Undoing a case's containment: which applied actions can be undone, and undoing one, recorded like the apply. */

export interface RevertCandidates {
  /** Applied actions that have a revert, in the order they were applied. */
  revertable: PlannedAction[];
  /** Applied actions that cannot be undone, and why. */
  irreversible: { action: string; target: string; reason: string }[];
}

/** Still running: the case's own workflow decides and acts; a revert waits until it closed. */
const settled = new Set(['contained', 'failed']);

export function actionKey(action: PlannedAction): string {
  return `${action.action}:${JSON.stringify(action.target)}`;
}

function canonicalKey(key: string): string | undefined {
  const split = key.indexOf(':');
  try {
    return `${key.slice(0, split)}:${canonicalJson(JSON.parse(key.slice(split + 1)))}`;
  } catch {
    return undefined;
  }
}

export function revertActivities(deps: ActivityDeps) {
  return {
    async revertableActions(input: { caseId: string }): Promise<RevertCandidates> {
      const record = await deps.store.getCase(input.caseId);
      if (!record) throw ApplicationFailure.nonRetryable(`no case ${input.caseId}`, 'UnknownCase');
      if (!settled.has(record.case.status)) {
        throw ApplicationFailure.nonRetryable(`case ${input.caseId} is ${record.case.status}: only a contained (or partly contained) case can be reverted`, 'CaseNotSettled');
      }
      // Keys name the target as JSON; the stored plan's key order is the database's, so both are compared canonically.
      const applied = new Set(record.actions.filter((a) => !a.dry_run && (a.status === 'applied' || a.status === 'already-done')).map((a) => canonicalKey(a.action_key)).filter(Boolean));
      const candidates: RevertCandidates = { revertable: [], irreversible: [] };
      for (const planned of record.case.plan?.actions ?? []) {
        if (!applied.has(canonicalKey(actionKey(planned)))) continue;
        if ((deps.actions ?? actions).find(planned.action)?.revert) candidates.revertable.push(planned);
        else if (planned.action !== 'notify-owner') candidates.irreversible.push({ action: planned.action, target: JSON.stringify(planned.target), reason: `${planned.action} cannot be undone` });
      }
      return candidates;
    },

    async revertAction(input: { caseId: string; action: PlannedAction; dryRun: boolean }): Promise<ActionResult> {
      if (!input.dryRun) {
        const refused = revertProblem(await deps.store.caseById(input.caseId), (await deps.store.recordedDecisions(input.caseId)).entries, input.action, deps.decisionRules);
        if (refused) throw ApplicationFailure.create({ message: `revert of ${input.action.action} refused: ${refused}`, type: 'Unauthorized', nonRetryable: true });
      }
      return classified(async () => {
        const module = (deps.actions ?? actions).get(input.action.action);
        if (!module.revert) throw ApplicationFailure.nonRetryable(`${input.action.action} cannot be undone`, 'Irreversible');
        const beat = setInterval(() => Context.current().heartbeat(input.action.action), 2_000);
        const at = new Date().toISOString();
        let result: ActionResult;
        try {
          result = input.dryRun
            ? { action: input.action.action, target: JSON.stringify(input.action.target), status: 'dry-run', detail: `would undo: ${input.action.effect}`, at }
            : { ...(await module.revert({ clients: deps.clients, notifier: deps.notifier }, input.action)), at };
        } finally {
          clearInterval(beat);
        }
        await deps.store.recordAction(input.caseId, `${input.dryRun ? 'revert-dry-run' : 'revert'}:${actionKey(input.action)}`, result, input.dryRun);
        return result;
      });
    },
  };
}
