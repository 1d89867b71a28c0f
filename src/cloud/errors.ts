/**
 * Errors from cloud calls, in the two classes activities act on: transient ones are retried,
 * permanent ones become a recorded gap. Each carries which API, which operation and which
 * object, so a case record says exactly what could not be read or done.
 */

export type CloudService = 'scc' | 'resourcemanager' | 'logging' | 'gke' | 'kubernetes' | 'run' | 'iam' | 'virustotal' | 'storage' | 'notify';

export interface CloudErrorContext {
  service: CloudService;
  operation: string;
  target: string;
}

export abstract class CloudError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    readonly context: CloudErrorContext,
    /** HTTP status or gRPC code name, when the server answered. */
    readonly status: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${context.service} ${context.operation} ${context.target}: ${detail}`, options);
  }
}

export class TransientCloudError extends CloudError {
  override readonly name: string = 'TransientCloudError';
  readonly retryable = true;
}

export class PermanentCloudError extends CloudError {
  override readonly name: string = 'PermanentCloudError';
  readonly retryable = false;
}

/** A name or argument refused before any request was made. */
export class InvalidTargetError extends PermanentCloudError {
  override readonly name: string = 'InvalidTargetError';
}

const transientHttp = new Set([408, 425, 429, 500, 502, 503, 504]);
// gRPC: CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE
const transientGrpc = new Set([1, 2, 4, 8, 10, 13, 14]);
const grpcNames = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/**
 * Classifies an error from a Google client. gRPC transports raise a GoogleError with a gRPC
 * `code`; REST fallback raises either that or a raw GaxiosError whose `code` is the HTTP status
 * and whose message is the JSON error body.
 */
export function fromGoogleError(error: unknown, context: CloudErrorContext): CloudError {
  if (error instanceof CloudError) return error;
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  const body = googleErrorBody(message);
  const httpStatus = typeof status === 'number' && status >= 100 ? status : typeof code === 'number' && code >= 100 ? code : undefined;
  if (httpStatus !== undefined) {
    const Class = transientHttp.has(httpStatus) ? TransientCloudError : PermanentCloudError;
    return new Class(context, body?.status ?? String(httpStatus), body?.message ?? message, { cause: error });
  }
  if (typeof code === 'number' && code >= 0 && code < grpcNames.length) {
    const Class = transientGrpc.has(code) ? TransientCloudError : PermanentCloudError;
    return new Class(context, grpcNames[code], body?.message ?? message, { cause: error });
  }
  return fromUnknown(error, context);
}

function googleErrorBody(message: string): { message?: string; status?: string } | undefined {
  const start = message.indexOf('{"error"');
  if (start < 0) return undefined;
  try {
    return (JSON.parse(message.slice(start)) as { error?: { message?: string; status?: string } }).error;
  } catch {
    return undefined;
  }
}

/** Classifies by HTTP status (Kubernetes client, VirusTotal). */
export function fromHttpStatus(status: number, detail: string, context: CloudErrorContext, cause?: unknown): CloudError {
  const Class = transientHttp.has(status) ? TransientCloudError : PermanentCloudError;
  return new Class(context, String(status), detail, { cause });
}

/** Anything unrecognised (network failures among them) is transient: it gets a bounded retry, not a silent gap. */
export function fromUnknown(error: unknown, context: CloudErrorContext): CloudError {
  if (error instanceof CloudError) return error;
  return new TransientCloudError(context, undefined, error instanceof Error ? error.message : String(error), { cause: error });
}
