import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuth2Client, type Certificates } from 'google-auth-library';
import { z } from 'zod';
import type { IngestDeps } from './ingest';
import { handleMessage, type MessageOutcome } from './message-intake';

/**
 * The endpoint of a Pub/Sub push subscription. Pub/Sub counts any 2xx as an acknowledgement and
 * redelivers on anything else, so: a caller that is not the subscription gets 401/403 and
 * leaves no trace; an authenticated message is always settled (ingested or a dead letter,
 * 204); only a failure to reach Temporal or the store answers 503, to be delivered again.
 */

export type PushAuth =
  /** Production: the OIDC token Pub/Sub attaches, for this audience, from this service account. */
  | { kind: 'oidc'; audience: string; serviceAccount: string; certs?: () => Promise<Certificates> }
  /** The lab: a shared secret in the Authorization header (Bearer). */
  | { kind: 'shared-secret'; secret: string };

export interface PushRequest {
  authorization: string | undefined;
  body: Buffer;
}

export interface PushResponse {
  status: number;
  body: string;
  outcome?: MessageOutcome;
}

const googleIssuers = ['accounts.google.com', 'https://accounts.google.com'];

const pushEnvelope = z.object({
  message: z.object({
    data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64').optional(),
    messageId: z.string().min(1).max(200).optional(),
    message_id: z.string().min(1).max(200).optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
  subscription: z.string().max(300),
});

/** Pub/Sub's own limit is 10 MB of data, which base64 makes 13.4 MB. */
export const maxPushBytes = 14 * 1024 * 1024;

export class PushEndpoint {
  private readonly oauth = new OAuth2Client();

  constructor(
    private readonly deps: IngestDeps,
    private readonly auth: PushAuth,
  ) {}

  async handle(request: PushRequest): Promise<PushResponse> {
    return (await this.authenticate(request.authorization)) ?? this.handleAuthenticated(request.body);
  }

  /** A body from a caller `authenticate` admitted (the push server checks the caller before it reads a byte of the body). */
  async handleAuthenticated(body: Buffer): Promise<PushResponse> {
    const request = { body };
    if (request.body.length > maxPushBytes) return { status: 413, body: `a push body is at most ${maxPushBytes} bytes` };

    let text: string | undefined;
    let envelope: z.infer<typeof pushEnvelope> | undefined;
    let problem: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(request.body);
      const parsed = pushEnvelope.safeParse(JSON.parse(text));
      if (parsed.success) envelope = parsed.data;
      else problem = `not a Pub/Sub push envelope: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 300)}`;
    } catch (error) {
      problem = `not a Pub/Sub push envelope: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    }

    try {
      if (!envelope) {
        // Authenticated, yet unreadable: kept whole, and acknowledged so it is not pushed again.
        const outcome = await this.deadLetter(request.body, problem!);
        return { status: 204, body: '', outcome };
      }
      const messageId = envelope.message.messageId ?? envelope.message.message_id ?? 'unknown';
      const outcome = await handleMessage(this.deps, {
        source: `push:${envelope.subscription}`,
        messageId,
        data: Buffer.from(envelope.message.data ?? '', 'base64'),
        attributes: envelope.message.attributes ?? {},
      });
      return { status: 204, body: '', outcome };
    } catch (error) {
      return { status: 503, body: `not settled, deliver again: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
    }
  }

  private async deadLetter(raw: Buffer, reason: string): Promise<MessageOutcome> {
    // The same unreadable body pushed twice is one dead letter.
    const messageId = `unreadable-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
    const deadLetterId = await this.deps.store.recordDeadLetter({ source: 'push', messageId, receivedAt: new Date().toISOString(), reason, raw, attributes: {} });
    return { outcome: 'dead-letter', messageId, deadLetterId, reason };
  }

  /** Undefined when the caller is the subscription; otherwise the answer it gets. Needs the headers only: a stranger's body is never read. */
  async authenticate(header: string | undefined): Promise<PushResponse | undefined> {
    const token = /^Bearer ([^\s]+)$/.exec(header ?? '')?.[1];
    if (!token) return { status: 401, body: 'a bearer token is required' };
    if (this.auth.kind === 'shared-secret') {
      const given = Buffer.from(token);
      const expected = Buffer.from(this.auth.secret);
      return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : { status: 403, body: 'wrong token' };
    }
    try {
      const certs = this.auth.certs ? await this.auth.certs() : (await this.oauth.getFederatedSignonCertsAsync()).certs;
      const ticket = await this.oauth.verifySignedJwtWithCertsAsync(token, certs, this.auth.audience, googleIssuers);
      const payload = ticket.getPayload();
      if (!payload?.email_verified || payload.email !== this.auth.serviceAccount) {
        return { status: 403, body: `the token is not from ${this.auth.serviceAccount}` };
      }
      return undefined;
    } catch (error) {
      return { status: 401, body: `the token does not verify: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300) };
    }
  }
}
