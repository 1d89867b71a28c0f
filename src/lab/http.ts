import type { IncomingHttpHeaders } from 'node:http';

/** The lab's small HTTP vocabulary: requests with parsed bodies, JSON responses, and routes. */

export interface LabRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface LabResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: LabRequest, params: string[]) => Promise<LabResponse> | LabResponse;

export class HttpError extends Error {
  constructor(
    readonly response: LabResponse,
  ) {
    super(`HTTP ${response.status}`);
  }
}

export class Router {
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== method && route.method !== '*') continue;
      const match = route.pattern.exec(path);
      if (match) return { handler: route.handler, params: match.slice(1).map((part) => decodeURIComponent(part ?? '')) };
    }
    return undefined;
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): LabResponse {
  return { status, body, headers };
}

export function readJson(request: LabRequest): unknown {
  if (request.body.length === 0) return {};
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new HttpError(googleError(400, 'Invalid JSON payload received.'));
  }
}

const googleStatus: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** An error as Google REST APIs send it: {error: {code, message, status}}. */
export function googleError(code: number, message: string, status = googleStatus[code] ?? 'UNKNOWN'): LabResponse {
  return { status: code === 412 ? 400 : code, body: { error: { code: code === 412 ? 400 : code, message, status } } };
}
