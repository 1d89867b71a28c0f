import { fromGoogleError, TransientCloudError, type CloudError, type CloudErrorContext } from './errors';

/** How long one request may go unanswered before it counts as failed (and is retried): `requestTimeoutMs`. */
export const defaultRequestTimeoutMs = 30_000;

/**
 * One request to a cloud API: its answer within the deadline, or an error classified for the
 * activity (transient: retried; permanent: a gap), carrying the API, operation and object. A
 * server that never answers is a transient failure after `deadlineMs`, not an activity that hangs
 * until its own timeout.
 */
export async function cloudCall<T>(
  context: CloudErrorContext,
  deadlineMs: number,
  request: () => Promise<T>,
  classify: (error: unknown, context: CloudErrorContext) => CloudError = fromGoogleError,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransientCloudError(context, 'DEADLINE_EXCEEDED', `no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([request(), deadline]);
  } catch (error) {
    throw classify(error, context);
  } finally {
    clearTimeout(timer);
  }
}
