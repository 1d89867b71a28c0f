import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A workflow's history as the server holds it now (its latest run without `runId`). */
export async function historyEvents(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/** Each activity the history scheduled, in order, with the workflow task that scheduled it. */
export function scheduledActivities(events: HistoryEvent[]): { name: string; task: number }[] {
  return events.flatMap((e) => {
    const attributes = e.activityTaskScheduledEventAttributes;
    return attributes?.activityType?.name ? [{ name: attributes.activityType.name, task: Number(attributes.workflowTaskCompletedEventId) }] : [];
  });
}

/** The activity types the history scheduled, in order. */
export function scheduledActivityNames(events: HistoryEvent[]): string[] {
  return scheduledActivities(events).map((activity) => activity.name);
}

/** The activity types whose recorded start is a later attempt than the first: where a kill (or a failure) cut the one before. */
export function retriedActivities(history: temporal.api.history.v1.IHistory): string[] {
  const events = history.events ?? [];
  const typeOf = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [Number(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name ?? '']));
  return events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).map((e) => typeOf.get(Number(e.activityTaskStartedEventAttributes!.scheduledEventId)) ?? '?');
}
