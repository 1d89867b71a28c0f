import type { ActivityOptions } from '@temporalio/workflow';
import type { Policy } from './shared';

/**
 * Timeouts and retries by kind of work, in one named table instead of numbers scattered over
 * the workflow. Permanent errors (a missing pod, a denied permission) are never retried: they
 * become a recorded gap. Long work heartbeats; a 10 s heartbeat timeout is how fast the
 * activity of a worker that died is noticed and retried on another.
 */
const permanent = ['PermanentCloudError', 'InvalidTargetError', 'InvalidInput'];

export const activityProfiles = {
  /** Writes to the case store: they must land, so they retry until they do. */
  record: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 } },
  /** Reads from cloud APIs. */
  cloudRead: { startToCloseTimeout: '1 minute', retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 8, nonRetryableErrorTypes: permanent } },
  /** Log queries: bounded, but they may page. */
  logs: { startToCloseTimeout: '3 minutes', heartbeatTimeout: '10 seconds', retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 6, nonRetryableErrorTypes: permanent } },
  /** Copying binaries out of a container: long, heartbeating. */
  capture: { startToCloseTimeout: '10 minutes', heartbeatTimeout: '10 seconds', retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: permanent } },
  /** Reputation lookups behind a rate limit: patient. */
  lookup: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '10 seconds', retry: { initialInterval: '15 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: permanent } },
  /** Containment: idempotent actions, so a retry after a crash is safe. */
  mutation: { startToCloseTimeout: '2 minutes', heartbeatTimeout: '10 seconds', retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 6, nonRetryableErrorTypes: permanent } },
  /** Outbound notices. */
  notify: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: permanent } },
} satisfies Record<string, ActivityOptions>;

export type ActivityProfile = keyof typeof activityProfiles;

/** The profiles with the policy's retry budget for cloud work (records keep retrying until they land). */
export function profilesFor(retry: Policy['retry']): Record<ActivityProfile, ActivityOptions> {
  if (!retry) return activityProfiles;
  const budget = (options: ActivityOptions): ActivityOptions => ({
    ...options,
    retry: {
      ...options.retry,
      ...(retry.maximumAttempts !== undefined ? { maximumAttempts: retry.maximumAttempts } : {}),
      ...(retry.initialIntervalMs !== undefined ? { initialInterval: retry.initialIntervalMs } : {}),
      ...(retry.maximumIntervalMs !== undefined ? { maximumInterval: retry.maximumIntervalMs } : {}),
    },
  });
  return Object.fromEntries(Object.entries(activityProfiles).map(([name, options]) => [name, name === 'record' ? options : budget(options)])) as Record<ActivityProfile, ActivityOptions>;
}
