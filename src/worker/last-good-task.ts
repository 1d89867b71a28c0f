import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from './create-worker';

type History = temporal.api.history.v1.IHistory;

const WORKFLOW_TASK_STARTED = 6;
const WORKFLOW_TASK_COMPLETED = 7;

export type ReplayVerdict =
  | { replays: true }
  | {
      replays: false;
      /** The replay's error, as the SDK gave it. */
      error: string;
      /** The workflow task to reset to: its WorkflowTaskCompleted event. Absent when even the first task does not replay. */
      resetEventId?: number;
      /** The first event past the last task that still replays. */
      firstBadEventId?: number;
    };

/**
 * Whether a case's history replays against the workflow code this process carries, and if not,
 * the last workflow task it still replays up to: resetting to that task's completion drops what
 * came after it, and the case runs on from there with today's code. Each candidate is checked by
 * replaying the history cut just after the task started (its own commands are not checked then),
 * latest first; a history holds a few dozen tasks, and each replay takes milliseconds.
 */
export async function lastGoodWorkflowTask(history: History, workflowBundle?: { code: string } | { codePath: string }): Promise<ReplayVerdict> {
  const source = workflowBundle ? { workflowBundle } : { workflowsPath };
  const replay = async (events: NonNullable<History['events']>) => {
    try {
      await Worker.runReplayHistory(source, { events }, 'replay-check');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const events = history.events ?? [];
  const error = await replay(events);
  if (error === undefined) return { replays: true };
  const started = events.map((e, i) => ({ e, i })).filter(({ e }) => Number(e.eventType) === WORKFLOW_TASK_STARTED);
  for (let k = started.length - 1; k >= 0; k--) {
    const { i } = started[k]!;
    const completed = events[i + 1];
    if (!completed || Number(completed.eventType) !== WORKFLOW_TASK_COMPLETED) continue;
    if ((await replay(events.slice(0, i + 1))) !== undefined) continue;
    // The task that started here still replays: what it did, and everything after, is dropped.
    const nextStarted = started[k + 1];
    return { replays: false, error, resetEventId: Number(completed.eventId), ...(nextStarted ? { firstBadEventId: Number(completed.eventId) + 1 } : {}) };
  }
  return { replays: false, error };
}
