import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { openCaseStatuses, type CaseStatus } from '../workflows/shared';

const EventType = temporal.api.enums.v1.EventType;

/** What Temporal says of a case's run, apart from what the case record says. */
export interface ExecutionStatus {
  /** RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, CANCELLED, CONTINUED_AS_NEW, or NOT_FOUND (gone past retention, or never there). */
  status: string;
  closedAt?: string;
  /** Why it closed: the termination's reason, the failure's message, the timeout or cancel. */
  reason?: string;
  /** Running, but its workflow task keeps failing (a history that no longer replays, a bug): why. */
  stuck?: string;
  /** The run the workflow ID now points at, when it is not the one asked about (a reset). */
  currentRunId?: string;
}

/**
 * The run's status from Temporal, with the reason it closed or why it is stuck: what the CLI,
 * the console and the reconciler compare with the record, since a terminated or timed-out run
 * runs none of its own code to say so.
 */
export async function executionStatus(client: Client, workflowId: string, runId: string): Promise<ExecutionStatus> {
  let description;
  try {
    description = await client.workflow.getHandle(workflowId, runId).describe();
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return { status: 'NOT_FOUND', reason: 'Temporal no longer holds this run (past the namespace retention, or never started)' };
    throw error;
  }
  const status = description.status.name;
  const current = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
  const currentRunId = current && current.runId !== runId ? { currentRunId: current.runId } : {};
  if (status === 'RUNNING') {
    const attempt = description.raw.pendingWorkflowTask?.attempt ?? 0;
    if (attempt < 3) return { status, ...currentRunId };
    const failure = await lastEvent(client, workflowId, runId, (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    const message = failure?.workflowTaskFailedEventAttributes?.failure?.message;
    return { status, stuck: `its workflow task has failed ${attempt} times${message ? `: ${message.slice(0, 300)}` : ''}`, ...currentRunId };
  }
  const closing = await lastEvent(client, workflowId, runId, () => true);
  return { status, ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}), ...optionalReason(closing), ...currentRunId };
}

/** Whether Temporal's word should be shown beside the record: a run that ended while the record says it goes on, or one that is stuck. */
export function differsFromRecord(execution: ExecutionStatus, recorded: CaseStatus): boolean {
  return Boolean(execution.stuck) || (execution.status !== 'RUNNING' && openCaseStatuses.includes(recorded));
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function optionalReason(event: HistoryEvent | undefined): { reason?: string } {
  const reason =
    event?.workflowExecutionTerminatedEventAttributes?.reason ??
    event?.workflowExecutionFailedEventAttributes?.failure?.message ??
    (event?.workflowExecutionTimedOutEventAttributes ? 'the workflow run timed out' : undefined) ??
    (event?.workflowExecutionCanceledEventAttributes ? 'the workflow was cancelled' : undefined);
  return reason ? { reason: reason.slice(0, 500) } : {};
}

/** The newest event that matches, reading the history backwards (a few pages at most). */
async function lastEvent(client: Client, workflowId: string, runId: string, match: (event: HistoryEvent) => boolean): Promise<HistoryEvent | undefined> {
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < 5; page++) {
    const response = await client.workflowService.getWorkflowExecutionHistoryReverse({ namespace: client.options.namespace, execution: { workflowId, runId }, maximumPageSize: 50, ...(nextPageToken ? { nextPageToken } : {}) });
    const found = (response.history?.events ?? []).find(match);
    if (found) return found;
    if (!response.nextPageToken?.length) return undefined;
    nextPageToken = response.nextPageToken;
  }
  return undefined;
}
