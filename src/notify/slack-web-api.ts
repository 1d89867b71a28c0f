import { fromHttpStatus, fromUnknown, PermanentCloudError, TransientCloudError, type CloudErrorContext } from '../cloud/errors';

/**
 * The three Slack Web API methods decisions from Slack use: chat.postMessage, chat.update and
 * users.info, with the app's bot token. Slack answers most failures with 200 and `ok: false`:
 * rate limits and Slack's own trouble are transient, everything else (a revoked token, a channel
 * the app is not in) permanent, and the error names the method and Slack's code, never the token.
 */

export interface SlackUser {
  id: string;
  teamId?: string;
  email?: string;
  deleted: boolean;
  isBot: boolean;
}

const transientErrors = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export class SlackWebApi {
  constructor(
    private readonly baseUrl: string,
    private readonly botToken: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async postMessage(message: { channel: string; text: string; blocks: unknown[] }): Promise<{ channel: string; ts: string }> {
    const answer = await this.call<{ channel: string; ts: string }>('chat.postMessage', message);
    return { channel: answer.channel, ts: answer.ts };
  }

  async update(message: { channel: string; ts: string; text: string; blocks: unknown[] }): Promise<void> {
    await this.call('chat.update', message);
  }

  async usersInfo(user: string): Promise<SlackUser> {
    const answer = await this.call<{ user: { id: string; team_id?: string; deleted?: boolean; is_bot?: boolean; profile?: { email?: string } } }>('users.info', { user });
    const u = answer.user;
    return { id: u.id, ...(u.team_id ? { teamId: u.team_id } : {}), ...(u.profile?.email ? { email: u.profile.email } : {}), deleted: u.deleted === true, isBot: u.is_bot === true };
  }

  private async call<T>(method: string, body: object): Promise<T> {
    const context: CloudErrorContext = { service: 'notify', operation: `slack ${method}`, target: new URL(this.baseUrl).host };
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.botToken}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw fromUnknown(error, context);
    }
    if (!response.ok) throw fromHttpStatus(response.status, `Slack ${method} answered ${response.status}`, context);
    let answer: { ok?: boolean; error?: string } & T;
    try {
      answer = (await response.json()) as typeof answer;
    } catch (error) {
      throw new TransientCloudError(context, String(response.status), `answered with something that is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (answer.ok !== true) {
      const code = typeof answer.error === 'string' ? answer.error.slice(0, 80) : 'no error code';
      if (transientErrors.has(code)) throw new TransientCloudError(context, code, `Slack failed: ${code}`);
      throw new PermanentCloudError(context, code, `Slack refused: ${code}`);
    }
    return answer;
  }
}
