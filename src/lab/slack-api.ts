import { createHmac, randomBytes } from 'node:crypto';
import type { Router } from './http';
import { json } from './http';

/**
 * Slack as a Slack app meets it, at /slack/: the Web API methods decisions use
 * (chat.postMessage, chat.update, users.info) behind the app's bot token, a response_url per
 * interaction, and Slack's side of a click: the block_actions payload, signed with the app's
 * signing secret, sent to the app's interactivity Request URL.
 */

export interface LabSlackUser {
  id: string;
  email?: string;
  teamId?: string;
  deleted?: boolean;
  isBot?: boolean;
}

export interface LabSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** Every chat.update, in order. */
  updates: { text: string; blocks: unknown[] }[];
}

export const labSlackTeam = 'T0ACME0001';
export const labSlackChannel = 'C0SECOPS01';

/** The people of the lab's workspace: the scenario's approvers, somebody who is not one, a bot and a departed account. */
export const labSlackUsers: LabSlackUser[] = [
  { id: 'U0SECOPS01', email: 'secops@acme.example' },
  { id: 'U0LEAD0001', email: 'lead@acme.example' },
  { id: 'U0ANALYST1', email: 'analyst@acme.example' },
  { id: 'U0GUEST001', email: 'lead@acme.example', teamId: 'T0OTHER001' },
  { id: 'U0DEPARTED', email: 'lead@acme.example', deleted: true },
  { id: 'U0BOT00001', isBot: true },
];

export class SlackApi {
  readonly botToken = `xoxb-lab-${randomBytes(8).toString('hex')}`;
  readonly signingSecret = randomBytes(16).toString('hex');
  readonly messages: LabSlackMessage[] = [];
  /** What the app said back through each interaction's response_url. */
  readonly responses: { id: string; body: unknown }[] = [];
  /** Web API calls, as method names: what a test counts. */
  readonly calls: string[] = [];
  private readonly users = new Map(labSlackUsers.map((u) => [u.id, u]));
  private sequence = 0;

  constructor(private readonly baseUrl: () => string) {}

  get apiUrl(): string {
    return `${this.baseUrl()}/slack/api`;
  }

  routes(router: Router): void {
    router.on('POST', /^\/slack\/api\/([a-zA-Z.]+)$/, (request, [method]) => {
      this.calls.push(method!);
      if (request.headers.authorization !== `Bearer ${this.botToken}`) return json(200, { ok: false, error: 'invalid_auth' });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return json(200, { ok: false, error: 'invalid_json' });
      }
      switch (method) {
        case 'chat.postMessage': {
          if (body.channel !== labSlackChannel) return json(200, { ok: false, error: 'channel_not_found' });
          const ts = `${1_700_000_000 + ++this.sequence}.${String(this.sequence).padStart(6, '0')}`;
          this.messages.push({ channel: labSlackChannel, ts, text: String(body.text ?? ''), blocks: (body.blocks as unknown[]) ?? [], updates: [] });
          return json(200, { ok: true, channel: labSlackChannel, ts });
        }
        case 'chat.update': {
          const message = this.messages.find((m) => m.channel === body.channel && m.ts === body.ts);
          if (!message) return json(200, { ok: false, error: 'message_not_found' });
          message.updates.push({ text: String(body.text ?? ''), blocks: (body.blocks as unknown[]) ?? [] });
          return json(200, { ok: true, channel: message.channel, ts: message.ts });
        }
        case 'users.info': {
          const user = this.users.get(String(body.user ?? ''));
          if (!user) return json(200, { ok: false, error: 'user_not_found' });
          return json(200, { ok: true, user: { id: user.id, team_id: user.teamId ?? labSlackTeam, deleted: user.deleted === true, is_bot: user.isBot === true, profile: user.email ? { email: user.email } : {} } });
        }
        default:
          return json(200, { ok: false, error: 'unknown_method' });
      }
    });
    router.on('POST', /^\/slack\/response\/([0-9a-f]+)$/, (request, [id]) => {
      this.responses.push({ id: id!, body: JSON.parse(request.body.toString('utf8') || 'null') as unknown });
      return json(200, { ok: true });
    });
  }

  /** The message as people see it now: the last update, or the post. */
  current(message: LabSlackMessage): { text: string; blocks: unknown[] } {
    return message.updates[message.updates.length - 1] ?? message;
  }

  /** The buttons a message shows now. */
  buttons(message: LabSlackMessage): { action_id: string; value: string }[] {
    return this.current(message).blocks.flatMap((b) => ((b as { type?: string }).type === 'actions' ? ((b as { elements: { action_id: string; value: string }[] }).elements ?? []) : []));
  }

  /**
   * A click, as Slack delivers it: the block_actions payload, form-encoded, signed at `at`
   * (seconds) with `secret` (the app's, unless a test forges one), posted to `requestUrl`.
   */
  async click(requestUrl: string, options: { user: string; message: LabSlackMessage; actionId: string; team?: string; secret?: string; at?: number }): Promise<{ status: number; text: string; responseId: string }> {
    const button = this.buttons(options.message).find((b) => b.action_id === options.actionId);
    if (!button) throw new Error(`the message ${options.message.ts} shows no ${options.actionId} button`);
    const responseId = randomBytes(6).toString('hex');
    const payload = {
      type: 'block_actions',
      team: { id: options.team ?? labSlackTeam },
      user: { id: options.user },
      container: { type: 'message', channel_id: options.message.channel, message_ts: options.message.ts },
      response_url: `${this.baseUrl()}/slack/response/${responseId}`,
      actions: [{ type: 'button', action_id: button.action_id, value: button.value, block_id: 'scc-decision' }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = String(options.at ?? Math.floor(Date.now() / 1000));
    const response = await fetch(requestUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${createHmac('sha256', options.secret ?? this.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}` },
      body,
    });
    return { status: response.status, text: await response.text(), responseId };
  }

  responsesTo(responseId: string): unknown[] {
    return this.responses.filter((r) => r.id === responseId).map((r) => r.body);
  }
}
