import { ApplicationFailure } from '@temporalio/activity';
import { CloudError } from '../cloud/errors';
import { permissionFor } from '../deploy/operation-permissions';

/**
 * How an activity's error crosses into the workflow: permanent cloud errors become
 * non-retryable failures (recorded as gaps), everything else is retried by the activity's policy.
 */
export async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asFailure(error);
  }
}

export function asFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof CloudError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.name,
      nonRetryable: !error.retryable,
      details: [{ service: error.context.service, operation: error.context.operation, target: error.context.target, status: error.status, permission: permissionFor(error.context) }],
      cause: error,
    });
  }
  return error;
}
