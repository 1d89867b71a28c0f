import { ApplicationFailure, TimeoutFailure, type ActivityFailure } from '@temporalio/workflow';
import type { Gap } from './shared';

/** What activities attach to a cloud failure (`src/activities/failures.ts`). */
interface CloudFailureDetails {
  service?: string;
  operation?: string;
  target?: string;
  status?: string;
  permission?: string;
}

/**
 * The gap an activity's final failure leaves: which API refused or failed, what was asked of it,
 * about which object, what it answered, and for a refusal the permission it needs. A timeout or
 * a worn-out retry says so in words; nothing about the failure is lost.
 */
export function gapFrom(step: string, error: ActivityFailure, at: string): Gap {
  const cause = error.cause;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as CloudFailureDetails | undefined) : undefined;
  const reason =
    cause instanceof TimeoutFailure
      ? `${error.activityType} timed out (${cause.timeoutType ?? 'timeout'})${error.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? ' on every attempt' : ''}`
      : (cause?.message ?? error.message);
  const errorType = cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : cause instanceof TimeoutFailure ? 'Timeout' : (cause?.name ?? 'ActivityFailure');
  const denied = details?.status === '403' || details?.status === 'PERMISSION_DENIED';
  return {
    step,
    reason,
    errorType,
    ...(details?.service ? { service: details.service } : {}),
    ...(details?.operation ? { operation: details.operation } : {}),
    ...(details?.target ? { target: details.target } : {}),
    ...(details?.status ? { status: details.status } : {}),
    ...(denied && details?.permission ? { permission: details.permission } : {}),
    at,
  };
}

/** The gap's reason with what it takes to close it, as a line for people. */
export function gapLine(gap: Pick<Gap, 'reason' | 'permission'>): string {
  return gap.permission ? `${gap.reason} (needs ${gap.permission})` : gap.reason;
}
