import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * What every answer of the console server carries, and what it refuses before a handler runs.
 * Registered ahead of every route, so an API answer, a page and a 404 are treated alike.
 */

/** Case data is untrusted: the page only ever writes it as text, and the policy forbids anything inline. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function withSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(securityHeaders)) c.res.headers.set(name, value);
    // An API answer is about one person's session and a case that changes: never kept.
    if (c.req.path.startsWith('/api/')) c.res.headers.set('cache-control', 'no-store');
  };
}

/** The largest request body the API reads: a decision or a sign-in is a few hundred bytes. */
export const maxApiBodyBytes = 64 * 1024;

/** A campaign decision names the cases its approver saw, about a hundred bytes each: 10,000 of them at most. */
export const maxCampaignDecisionBytes = 1200 * 1024;

/** Refuses a body over the limit from its declared length, or while it streams in, before anything parses it. */
export function boundedBodies(maxBytes = maxApiBodyBytes): MiddlewareHandler {
  // The rest of the body is never read, so the connection cannot carry another request: it ends with the answer.
  return bodyLimit({ maxSize: maxBytes, onError: (c) => c.json({ error: `the request body is over ${maxBytes} bytes` }, 413, { connection: 'close' }) });
}

/** The host an `Origin` header names, or undefined when it is not an origin at all. */
export function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
