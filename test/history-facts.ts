import type { temporal } from '@temporalio/proto';

/** The activity types whose recorded start is a later attempt than the first: where a kill (or a failure) cut the one before. */
export function retriedActivities(history: temporal.api.history.v1.IHistory): string[] {
  const events = history.events ?? [];
  const typeOf = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [Number(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name ?? '']));
  return events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).map((e) => typeOf.get(Number(e.activityTaskStartedEventAttributes!.scheduledEventId)) ?? '?');
}
