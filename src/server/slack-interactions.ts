import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { normalEmail } from '../workflows/email';
import { SlackWebApi } from '../notify/slack-web-api';
import type { Config } from '../config/config';
import { approveActionId, closedLine, rejectActionId, slackEscape } from '../notify/slack-app';
import type { Identity } from './auth/identity';

/**
 * POST /slack/interactions: a click on Approve or Reject in a case's Slack message. Slack signs
 * each request (`X-Slack-Signature`: HMAC-SHA256 of `v0:timestamp:body` with the app's signing
 * secret), so the request is checked before its body is parsed, and refused when older than five
 * minutes. Who clicked is Slack's user ID, which users.info maps to the e-mail Slack holds for
 * them; that e-mail then takes the console's own decision path (approvers list, signature by this
 * server's decision key, the workflow's checks). Nothing in the payload names the approver.
 */

export interface SlackInteractionsDeps {
  api: Pick<SlackWebApi, 'usersInfo' | 'update'>;
  signingSecret: string;
  /** The workspace the app is installed in. */
  teamId: string;
  /** Where a response_url may point; a payload naming any other address gets no request. */
  responseUrlPrefix: string;
  now?: () => number;
}

export type DecidingIdentity = { email: string; via: Identity['via'] | 'slack' };
export type DecisionFields = { decision: 'approve' | 'reject' | 'close' | 'watch'; planHash: string; reason?: string; falsePositive?: boolean };
export type DecideAs = (caseId: string, identity: DecidingIdentity, fields: DecisionFields) => Promise<{ status: 200; result: { caseId: string; status: string; approvalsNeeded: number } } | { status: 403 | 404 | 409 | 503; error: string }>;

const toleranceSeconds = 300;
const maxBodyBytes = 64 * 1024;
const caseIdPattern = /^case-[0-9a-f]{12}$/;
const planHashPattern = /^[0-9a-f]{64}$/;

export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Why a request is not Slack's, recently; undefined when it is. */
export function slackRequestProblem(secret: string, headers: { timestamp?: string | undefined; signature?: string | undefined }, body: string, now: number): string | undefined {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return 'missing X-Slack-Request-Timestamp or X-Slack-Signature';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Slack-Request-Timestamp is not a Unix time';
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return 'the request is more than five minutes from now: a replay, or a clock that is off';
  const expected = Buffer.from(slackSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'X-Slack-Signature does not match the signing secret';
  return undefined;
}

interface BlockActionsPayload {
  type?: string;
  team?: { id?: string };
  user?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
  response_url?: string;
  container?: { channel_id?: string; message_ts?: string };
}

export function slackInteractions(app: OpenAPIHono<{ Variables: { identity: Identity } }>, deps: SlackInteractionsDeps, decideAs: DecideAs): void {
  const now = deps.now ?? Date.now;
  app.post('/slack/interactions', async (c) => {
    if (Number(c.req.header('content-length') ?? 0) > maxBodyBytes) return c.text('too large', 413);
    const body = await c.req.text();
    if (Buffer.byteLength(body) > maxBodyBytes) return c.text('too large', 413);
    const problem = slackRequestProblem(deps.signingSecret, { timestamp: c.req.header('x-slack-request-timestamp'), signature: c.req.header('x-slack-signature') }, body, now());
    if (problem) return c.text(`not a request from Slack: ${problem}`, 401);

    let payload: BlockActionsPayload;
    try {
      payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '') as BlockActionsPayload;
    } catch {
      return c.text('the body has no JSON payload field', 400);
    }
    if (payload.type !== 'block_actions') return c.body(null, 200);
    if (payload.team?.id !== deps.teamId) return c.text(`interactions from workspace ${JSON.stringify(String(payload.team?.id ?? '').slice(0, 20))} are not accepted`, 403);
    const action = payload.actions?.[0];
    const decision = action?.action_id === approveActionId ? 'approve' : action?.action_id === rejectActionId ? 'reject' : undefined;
    if (!decision) return c.body(null, 200);
    let target: { caseId?: unknown; planHash?: unknown };
    try {
      target = JSON.parse(action!.value ?? '') as typeof target;
    } catch {
      return c.text('the button carries no case', 400);
    }
    if (typeof target.caseId !== 'string' || !caseIdPattern.test(target.caseId) || typeof target.planHash !== 'string' || !planHashPattern.test(target.planHash)) return c.text('the button carries no case', 400);
    const caseId = target.caseId;
    const planHash = target.planHash;
    const reply = (text: string) => respond(deps, payload.response_url, text);

    const userId = payload.user?.id;
    if (typeof userId !== 'string' || !/^[UW][A-Z0-9]{2,20}$/.test(userId)) return c.text('no Slack user in the payload', 400);
    const user = await deps.api.usersInfo(userId).catch((error: unknown) => error as Error);
    if (user instanceof Error) {
      await reply(`Your decision was not recorded: Slack could not say who you are (${user.message.slice(0, 200)}).`);
      return c.body(null, 200);
    }
    const email = user.email ? normalEmail(user.email) : undefined;
    if (user.deleted || user.isBot || !email || user.teamId !== deps.teamId) {
      await reply('Your decision was not recorded: this Slack account has no e-mail address in this workspace, so it cannot be matched to an approver.');
      return c.body(null, 200);
    }
    const outcome = await decideAs(caseId, { email, via: 'slack' }, { decision, planHash, reason: `from Slack (${userId})` });
    if ('error' in outcome) {
      await reply(`Your decision on ${caseId} was not recorded: ${outcome.error}`);
      return c.body(null, 200);
    }
    // Said at once, to everyone in the channel; the worker's notice says again what came of it.
    const channel = payload.container?.channel_id;
    const ts = payload.container?.message_ts;
    if (channel && ts && outcome.result.approvalsNeeded === 0) {
      const line = decision === 'approve' ? `Approved by ${email}: containment starts.` : closedLine({ event: 'decided', decidedBy: [email] });
      await deps.api.update({ channel, ts, text: slackEscape(line), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: slackEscape(`Case ${caseId}: ${line}`) } }] }).catch(() => undefined);
    } else if (outcome.result.approvalsNeeded > 0) {
      await reply(`Recorded: your approval of ${caseId}. ${outcome.result.approvalsNeeded} more approval(s) needed.`);
    }
    return c.body(null, 200);
  });
}

/** An ephemeral answer to whoever clicked, only to Slack's own address. */
async function respond(deps: SlackInteractionsDeps, responseUrl: string | undefined, text: string): Promise<void> {
  if (!responseUrl || !responseUrl.startsWith(deps.responseUrlPrefix)) return;
  await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: slackEscape(text) }), signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
}

/** The console's Slack settings from the configuration: none without a Slack app. */
export function slackInteractionsFor(config: Pick<Config, 'notifications'>): { slack?: SlackInteractionsDeps } {
  const app = config.notifications.slackApp;
  if (!app) return {};
  return { slack: { api: new SlackWebApi(app.apiUrl, app.botToken), signingSecret: app.signingSecret, teamId: app.teamId, responseUrlPrefix: app.responseUrlPrefix } };
}
