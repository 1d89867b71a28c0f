import { createHmac, timingSafeEqual } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { Notice, Notifier } from './notice';
import { CloudError, fromHttpStatus, fromUnknown, PermanentCloudError, TransientCloudError, type CloudErrorContext } from '../cloud/errors';

/**
 * Where notices go: a Slack incoming webhook, a generic webhook signed with HMAC-SHA256, and
 * e-mail over SMTP. Each delivery either lands or throws, so the notify activity retries it;
 * a notice carries an `id` (case and event) for receivers that see it twice.
 */
export interface Channel {
  readonly name: string;
  deliver(notice: Notice): Promise<void>;
}

/** How long a receiver may take to take a notice: then the delivery failed, and the notify activity retries it. */
export const noticeTimeoutMs = 15_000;

/**
 * One delivery. A refusal (4xx) is permanent, a failing or hanging receiver (5xx, 429, no answer)
 * transient; the error names the channel and the receiver's host, never the URL (a Slack
 * webhook's path is its secret).
 */
async function post(url: string, body: string, headers: Record<string, string>, what: string, timeoutMs = noticeTimeoutMs): Promise<void> {
  const context: CloudErrorContext = { service: 'notify', operation: 'post notice', target: `${what} at ${new URL(url).host}` };
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw fromUnknown(error, context);
  }
  if (!response.ok) throw fromHttpStatus(response.status, `${what} answered ${response.status}`, context);
}

/** The notice as plain JSON, unsigned: the simplest receiver. */
export class JsonWebhookChannel implements Channel {
  readonly name = 'json-webhook';

  constructor(
    private readonly url: string,
    private readonly timeoutMs = noticeTimeoutMs,
  ) {}

  async deliver(notice: Notice): Promise<void> {
    await post(this.url, JSON.stringify(notice), {}, 'notification webhook', this.timeoutMs);
  }
}

/** Everything a notice says, as plain text: the summary, whom it is for, the console link, the command. */
export function noticeText(notice: Notice): string {
  return [
    notice.text,
    notice.recipients.length > 0 ? `For: ${notice.recipients.join(', ')}${notice.routedBy ? ` (${notice.routedBy})` : ''}` : undefined,
    notice.consoleUrl ? `Console: ${notice.consoleUrl}` : undefined,
    notice.command ? `CLI: ${notice.command}` : undefined,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}

/** Slack's incoming-webhook format: `text` as the fallback, with the link and the command as blocks. */
export class SlackChannel implements Channel {
  readonly name = 'slack';

  constructor(private readonly url: string) {}

  async deliver(notice: Notice): Promise<void> {
    const escape = slackEscape;
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escape(notice.subject ?? notice.event)}*\n${escape(notice.text)}` } },
      ...(notice.recipients.length > 0 ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `For ${escape(notice.recipients.join(', '))}` }] }] : []),
      ...(notice.consoleUrl ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${notice.consoleUrl}|Open the ${notice.campaignId ? 'campaign' : 'case'} in the console>` } }] : []),
      ...(notice.command ? [{ type: 'section', text: { type: 'mrkdwn', text: `\`${escape(notice.command)}\`` } }] : []),
    ];
    await post(this.url, JSON.stringify({ text: escape(noticeText(notice)), blocks }), {}, 'the Slack webhook');
  }
}

/** Slack reads <, > and & as markup: escape them in text that quotes findings. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const signatureHeader = 'x-scc-responder-signature';
export const timestampHeader = 'x-scc-responder-timestamp';

function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers: the body is what the sender signed, recently. The timestamp is part of the
 * signed text, so a captured notice cannot be replayed after the tolerance.
 */
export function verifySignature(secret: string, headers: { timestamp?: string; signature?: string }, body: string, toleranceSeconds = 300, now = Date.now()): boolean {
  if (!headers.timestamp || !headers.signature || !/^\d{1,12}$/.test(headers.timestamp)) return false;
  if (Math.abs(now / 1000 - Number(headers.timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, headers.timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The notice as JSON, signed: `x-scc-responder-signature: sha256=HMAC(secret, "<timestamp>.<body>")`. */
export class SignedWebhookChannel implements Channel {
  readonly name = 'webhook';

  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  async deliver(notice: Notice): Promise<void> {
    const body = JSON.stringify(notice);
    const timestamp = String(Math.floor(Date.now() / 1000));
    await post(this.url, body, { [timestampHeader]: timestamp, [signatureHeader]: sign(this.secret, timestamp, body) }, 'the signed webhook');
  }
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  from: string;
}

/** E-mail to the notice's recipients; a notice for nobody is not mailed. */
export class EmailChannel implements Channel {
  readonly name = 'email';
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure ?? false,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      connectionTimeout: 15_000,
    });
  }

  async deliver(notice: Notice): Promise<void> {
    if (notice.recipients.length === 0) return;
    await this.transport.sendMail({
      from: this.settings.from,
      to: notice.recipients,
      subject: (notice.subject ?? notice.event).replace(/[\r\n]+/g, ' ').slice(0, 200),
      text: noticeText(notice),
      ...(notice.id ? { headers: { 'X-Scc-Responder-Notice': notice.id } } : {}),
    });
  }
}

/** Every configured channel, in turn; the first that fails fails the send, which is retried. With none, nothing is sent. */
export class ChannelNotifier implements Notifier {
  readonly configured: boolean;

  constructor(private readonly channels: readonly Channel[]) {
    this.configured = channels.length > 0;
  }

  async send(notice: Notice): Promise<boolean> {
    for (const channel of this.channels) {
      try {
        await channel.deliver(notice);
      } catch (error) {
        // A receiver's refusal stays a refusal (not retried), its failure a failure (retried), and says which notice.
        const context: CloudErrorContext = { service: 'notify', operation: 'post notice', target: `notice ${notice.id ?? notice.event} over ${channel.name}` };
        if (error instanceof CloudError) throw error.retryable ? new TransientCloudError(context, error.status, error.message, { cause: error }) : new PermanentCloudError(context, error.status, error.message, { cause: error });
        throw fromUnknown(error, context);
      }
    }
    return this.configured;
  }
}
