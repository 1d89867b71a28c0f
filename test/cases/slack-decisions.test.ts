import type { ConsoleServer } from '../../src/server/console-server';
import { slackInteractionsFor } from '../../src/server/slack-interactions';
import { SlackAppChannel, approveActionId, rejectActionId } from '../../src/notify/slack-app';
import { SlackWebApi } from '../../src/notify/slack-web-api';
import { labSlackChannel, labSlackTeam, type LabSlackMessage } from '../../src/lab/slack-api';
import type { Config } from '../../src/config/config';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { statusQuery } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { startRigConsole } from '../console-harness';

/**
 * Deciding from Slack, against the lab's Slack: the ready-for-decision notice is a message with
 * Approve and Reject; a click reaches the console signed by Slack, the clicker is who users.info
 * says, and the decision takes the console's own path. Whoever decides, wherever, the message
 * loses its buttons and says what became of the case.
 */

let rig: CaseRig;
let server: ConsoleServer;
let interactions: string;

beforeAll(async () => {
  rig = await startCaseRig({}, { channels: (lab, store) => [new SlackAppChannel(new SlackWebApi(lab.slack.apiUrl, lab.slack.botToken), labSlackChannel, store)] });
  await rig.startWorker();
  const slack = rig.lab.slack;
  const settings = slackInteractionsFor({
    notifications: {
      defaultRecipients: [],
      campaignNoticeMinutes: 10,
      slackApp: { botToken: slack.botToken, signingSecret: slack.signingSecret, channel: labSlackChannel, teamId: labSlackTeam, apiUrl: slack.apiUrl, responseUrlPrefix: `${rig.lab.url}/slack/response/` },
    },
  } as Pick<Config, 'notifications'>);
  server = await startRigConsole(rig, [approvers.secops], 'lab password for tests', undefined, rig.authority, settings);
  interactions = `${server.url}/slack/interactions`;
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
}, 180_000);

async function caseWaiting(category: string, runtime: 'gke' | 'cloud-run') {
  const c = await rig.ingest(rig.finding(category, runtime));
  const ready = await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision', 120_000);
  const message = await eventually(() => rig.lab.slack.messages.find((m) => JSON.stringify(m.blocks).includes(c.caseId) && rig.lab.slack.buttons(m).length > 0));
  return { c, ready, message, handle: rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId) };
}

async function eventually<T>(read: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('not seen in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const shown = (message: LabSlackMessage) => JSON.stringify(rig.lab.slack.current(message));

test('the notice is an interactive message; Approve from an approver’s Slack account contains the case, and the message says who', async () => {
  const { ready, message, handle } = await caseWaiting('Added Binary Executed', 'gke');
  const buttons = rig.lab.slack.buttons(message);
  expect(buttons.map((b) => b.action_id)).toEqual([approveActionId, rejectActionId]);
  // The buttons carry the case and the plan hash, and nothing that says who may press them.
  expect(JSON.parse(buttons[0]!.value)).toEqual({ caseId: ready.caseId, planHash: ready.plan!.hash });

  const click = await rig.lab.slack.click(interactions, { user: 'U0LEAD0001', message, actionId: approveActionId });
  expect(click.status).toBe(200);
  const closed = await handle.result();
  expect(closed.outcome).toBe('contained');
  // The decision is the console's: signed by its authority, for the e-mail Slack holds, marked as from Slack.
  expect(closed.decisions).toEqual([expect.objectContaining({ decision: 'approve', approver: approvers.lead, authenticatedVia: 'slack', signed: expect.objectContaining({ keyId: rig.authority.key.id }) })]);
  await eventually(() => shown(message).includes(`Approved by ${approvers.lead}: contained.`));
  expect(rig.lab.slack.buttons(message)).toEqual([]);
});

test('a forged signature, an old timestamp, another workspace: refused before anything is read, and the case still waits', async () => {
  const { message, handle } = await caseWaiting('Malicious Script Executed', 'gke');
  const calls = rig.lab.slack.calls.length;
  const forged = await rig.lab.slack.click(interactions, { user: 'U0LEAD0001', message, actionId: approveActionId, secret: 'not the signing secret at all' });
  expect(forged).toMatchObject({ status: 401, text: expect.stringContaining('X-Slack-Signature does not match') });
  const replayed = await rig.lab.slack.click(interactions, { user: 'U0LEAD0001', message, actionId: approveActionId, at: Math.floor(Date.now() / 1000) - 600 });
  expect(replayed).toMatchObject({ status: 401, text: expect.stringContaining('more than five minutes') });
  const foreign = await rig.lab.slack.click(interactions, { user: 'U0LEAD0001', message, actionId: approveActionId, team: 'T0OTHER001' });
  expect(foreign.status).toBe(403);
  // Nobody was even looked up.
  expect(rig.lab.slack.calls.slice(calls)).toEqual([]);
  expect((await handle.query(statusQuery)).status).toBe('awaiting-decision');
  await handle.terminate('test done');
});

test('a Slack account that is not an approver, a guest of another workspace, a departed account: each told why, and nothing is decided', async () => {
  const { message, handle } = await caseWaiting('Added Binary Executed', 'cloud-run');
  const analyst = await rig.lab.slack.click(interactions, { user: 'U0ANALYST1', message, actionId: approveActionId });
  expect(analyst.status).toBe(200);
  expect(rig.lab.slack.responsesTo(analyst.responseId)).toEqual([expect.objectContaining({ response_type: 'ephemeral', text: expect.stringContaining('analyst@acme.example is not on the approvers list') })]);
  for (const user of ['U0GUEST001', 'U0DEPARTED', 'U0BOT00001']) {
    const click = await rig.lab.slack.click(interactions, { user, message, actionId: approveActionId });
    expect(rig.lab.slack.responsesTo(click.responseId)).toEqual([expect.objectContaining({ text: expect.stringContaining('cannot be matched to an approver') })]);
  }
  const snapshot = await handle.query(statusQuery);
  expect(snapshot).toMatchObject({ status: 'awaiting-decision', decisions: [] });
  expect(rig.lab.slack.buttons(message)).toHaveLength(2);
  await handle.terminate('test done');
});

test('Reject from Slack closes the case as rejected; a case decided elsewhere loses its buttons too', async () => {
  const rejected = await caseWaiting('Launch Code Compiler Tool In Container', 'gke');
  await rig.lab.slack.click(interactions, { user: 'U0SECOPS01', message: rejected.message, actionId: rejectActionId });
  expect((await rejected.handle.result()).outcome).toBe('rejected');
  await eventually(() => shown(rejected.message).includes(`Decided by ${approvers.secops}.`));
  expect(rig.lab.slack.buttons(rejected.message)).toEqual([]);

  // Decided in the console (here, as the console signs it): the worker's notice closes the message.
  const elsewhere = await caseWaiting('Launch Code Compiler Tool In Container', 'cloud-run');
  await rig.decide(elsewhere.handle, { decision: 'reject', approver: approvers.lead, planHash: elsewhere.ready.plan!.hash, reason: 'known build job' });
  expect((await elsewhere.handle.result()).outcome).toBe('rejected');
  await eventually(() => shown(elsewhere.message).includes(`Decided by ${approvers.lead}.`));
  expect(rig.lab.slack.buttons(elsewhere.message)).toEqual([]);
  // A late click on a closed case is answered, not acted on.
  const late = await rig.lab.slack.click(interactions, { user: 'U0SECOPS01', message: { ...elsewhere.message, updates: [] }, actionId: approveActionId });
  expect(rig.lab.slack.responsesTo(late.responseId)).toEqual([expect.objectContaining({ text: expect.stringMatching(/not recorded: .*(not waiting|refused)/) })]);
});

test('a case that expires: the first message and the escalation’s both lose their buttons and say it closed without a decision', async () => {
  const c = await rig.ingest(rig.finding('Malicious Script Executed', 'cloud-run'), { escalateAfterMs: 1_500, expireAfterMs: 4_000 });
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId);
  expect((await handle.result()).outcome).toBe('expired-not-contained');
  const messages = await eventually(() => {
    const mine = rig.lab.slack.messages.filter((m) => JSON.stringify(m.blocks).includes(c.caseId));
    return mine.length === 2 && mine.every((m) => shown(m).includes('Closed without a decision')) && mine;
  });
  for (const message of messages) expect(rig.lab.slack.buttons(message)).toEqual([]);
});
