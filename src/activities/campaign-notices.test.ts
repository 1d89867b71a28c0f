import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notificationFor } from '../../test/fixtures/findings';
import { postgresConfigured, storeBackends } from '../../test/store-backends';
import { CaseStore } from '../cases/case-store';
import type { Database } from '../cases/database';
import type { CloudClients } from '../cloud';
import type { Finding } from '../findings/model';
import { parseFinding } from '../findings/parse';
import { ChannelNotifier, JsonWebhookChannel, SlackChannel } from '../notify/channels';
import { campaignNotice } from '../notify/campaign-notice';
import type { Notice } from '../notify/notice';
import type { CaseStatus } from '../workflows/shared';
import { notifyActivities } from './notify';
import { campaignOwnerNotices } from './owner-notices';

/**
 * A storm's cases reach people as one campaign: the case whose turn it is sends the campaign's
 * notice, the others record theirs as folded into it. Real HTTP receiver, on the embedded store
 * and on PostgreSQL.
 */

if (!postgresConfigured) test.skip('campaign notices on postgres: TEST_DATABASE_URL is not set, so only the embedded store was tested', () => undefined);

type Json = Record<string, unknown>;

/** A receiver that answers `status` (200 unless set otherwise) and keeps what it took. */
async function receiver(): Promise<{ url: string; notices: Notice[]; status: { code: number }; close(): Promise<void> }> {
  const notices: Notice[] = [];
  const status = { code: 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (status.code === 200) notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notice);
      response.statusCode = status.code;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`, notices, status, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The netcat finding on `pod`, its binary `sha` (one campaign per hash), told to `contact`. */
function findingOn(pod: string, sha: string, contact = 'payments-oncall@shop.example'): Finding {
  const notification = notificationFor('netcat', 'gke') as { finding: Json & { name: string; sourceProperties?: Json; processes?: Json[]; contacts?: Json } };
  notification.finding.name = notification.finding.name.replace(/[^/]+$/, `${pod.replace(/[^a-z0-9]/g, '')}${randomBytes(4).toString('hex')}`);
  notification.finding.sourceProperties!.Pod_Name = pod;
  notification.finding.processes![0]!.binary = { path: '/usr/bin/nc', sha256: sha };
  notification.finding.contacts = { security: { contacts: [{ email: contact }] } };
  return parseFinding(JSON.stringify(notification)).finding;
}

describe.each(storeBackends)('campaign notices on %s', (_kind, open) => {
  let db: Database;
  let store: CaseStore;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let n = 0;
  // The fixtures' findings name their contacts: routing reads no cluster.
  const clients = {} as CloudClients;
  const notify = (caseId: string, event: string, findings: Finding[], minutes = 10) =>
    notifyActivities({ clients, store, notifier: new ChannelNotifier([new JsonWebhookChannel(hook.url, 2_000)]), routing: { defaultRecipients: [], consoleUrl: 'https://scc.shop.example/', campaignNoticeMinutes: minutes } } as never).notify({ caseId, event, findings });

  beforeAll(async () => {
    db = await open();
    store = new CaseStore(db);
    await store.migrate();
    hook = await receiver();
  });
  afterAll(async () => {
    await hook?.close();
    await db?.close();
  });
  beforeEach(() => {
    hook.notices.length = 0;
    hook.status.code = 200;
  });

  /** A case opened with its finding, in the campaign of the finding's binary. */
  const caseFor = async (finding: Finding) => {
    const caseId = `case-${(++n).toString(16).padStart(12, '0')}`;
    const at = new Date().toISOString();
    await store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: 'run', subjectKey: `gke/${caseId}`, finding, dryRun: false, openedAt: at });
    await store.joinFinding(caseId, finding, at);
    return { caseId, findings: [finding] };
  };
  const setStatus = (caseId: string, status: CaseStatus) => store.setState(caseId, status, {});
  const noticeOutcome = async (caseId: string, event: string) => (await db.query<{ outcome: string; detail: Json }>('select outcome, detail from timeline where case_id = $1 and event_key = $2', [caseId, `notice:${event}`]))[0];
  const sha = () => randomBytes(32).toString('hex');

  test("a campaign's first case is told of alone; the second's turn sends the campaign's notice, and the rest fold into it", async () => {
    const binary = sha();
    const first = await caseFor(findingOn('api-7d9f-a', binary));
    await notify(first.caseId, 'ready-for-decision', first.findings);
    const rest = [];
    for (const pod of ['b', 'c', 'd', 'e']) rest.push(await caseFor(findingOn(`api-7d9f-${pod}`, binary)));
    for (const c of rest) await setStatus(c.caseId, 'awaiting-decision');
    await setStatus(first.caseId, 'awaiting-decision');
    const summaries = [];
    for (const c of rest) summaries.push((await notify(c.caseId, 'ready-for-decision', c.findings)).summary);

    expect(hook.notices).toHaveLength(2);
    const [own, campaign] = hook.notices;
    expect(own).toMatchObject({ id: `${first.caseId}:ready-for-decision`, caseId: first.caseId });
    const [row] = await store.campaignsOfCase(first.caseId);
    expect(campaign).toMatchObject({ event: 'ready-for-decision', campaignId: row!.id, recipients: ['payments-oncall@shop.example'], consoleUrl: `https://scc.shop.example/campaigns/${row!.id}`, command: expect.stringContaining(`campaign approve ${row!.id}`) });
    expect(campaign!.caseId).toBeUndefined();
    expect(campaign!.planHash).toBeUndefined();
    expect(campaign!.text).toContain('5 cases');
    expect(campaign!.text).toContain('5 awaiting-decision');
    expect(summaries[0]).toContain(`sent as campaign ${row!.id}'s`);
    expect(summaries.slice(1)).toEqual(Array(3).fill(`notice "ready-for-decision" folded into campaign ${row!.id}'s notice, sent by case ${rest[0]!.caseId}`));
    expect(await noticeOutcome(first.caseId, 'ready-for-decision')).toMatchObject({ outcome: 'sent' });
    expect(await noticeOutcome(rest[0]!.caseId, 'ready-for-decision')).toMatchObject({ outcome: 'campaign', detail: { campaign: row!.id, cases: 5 } });
    for (const c of rest.slice(1)) expect(await noticeOutcome(c.caseId, 'ready-for-decision')).toMatchObject({ outcome: 'folded', detail: { campaign: row!.id, heldBy: rest[0]!.caseId } });

    // Closing: the first case's own notice says how it ended; the folded ones close as the campaign, its last case with the final count.
    await setStatus(first.caseId, 'contained');
    await notify(first.caseId, 'contained', first.findings);
    for (const c of rest) {
      await setStatus(c.caseId, 'contained');
      await notify(c.caseId, 'contained', c.findings);
    }
    const closing = hook.notices.slice(2);
    expect(closing.map((x) => x.caseId ?? x.campaignId)).toEqual([first.caseId, row!.id, row!.id]);
    expect(closing[1]!.text).toContain('3 awaiting-decision, 2 contained');
    expect(closing[2]!.text).toContain('5 contained');
    expect(closing[2]!.id).not.toBe(closing[1]!.id);
    expect((await noticeOutcome(rest[1]!.caseId, 'contained'))!.outcome).toBe('folded');
    expect((await noticeOutcome(rest[3]!.caseId, 'contained'))!.outcome).toBe('campaign');
  });

  test('a failure and a partial containment always go out on their own; another route hears of the campaign apart', async () => {
    const binary = sha();
    const cases = [];
    for (const pod of ['a', 'b', 'c']) cases.push(await caseFor(findingOn(`web-5c7d-${pod}`, binary)));
    const elsewhere = await caseFor(findingOn('web-5c7d-z', binary, 'storefront-oncall@shop.example'));
    for (const c of [...cases, elsewhere]) await notify(c.caseId, 'ready-for-decision', c.findings);
    expect(hook.notices.map((x) => [x.campaignId ? 'campaign' : 'case', x.recipients[0]])).toEqual([
      ['campaign', 'payments-oncall@shop.example'],
      ['campaign', 'storefront-oncall@shop.example'],
    ]);
    hook.notices.length = 0;
    await notify(cases[1]!.caseId, 'failed', cases[1]!.findings);
    await notify(cases[2]!.caseId, 'partially-contained', cases[2]!.findings);
    expect(hook.notices.map((x) => x.caseId)).toEqual([cases[1]!.caseId, cases[2]!.caseId]);
  });

  test('a turn whose delivery failed passes to the next case at once; one never delivered passes after its lease; a delivered one after the interval', async () => {
    const binary = sha();
    const cases = [];
    for (const pod of ['a', 'b', 'c', 'd', 'e']) cases.push(await caseFor(findingOn(`jobs-6f8-${pod}`, binary)));
    const [row] = await store.campaignsOfCase(cases[0]!.caseId);
    hook.status.code = 503;
    await expect(notify(cases[0]!.caseId, 'ready-for-decision', cases[0]!.findings)).rejects.toThrow(/503/);
    hook.status.code = 200;
    await notify(cases[1]!.caseId, 'ready-for-decision', cases[1]!.findings);
    expect(hook.notices.map((x) => x.campaignId)).toEqual([row!.id]);
    expect((await noticeOutcome(cases[1]!.caseId, 'ready-for-decision'))!.outcome).toBe('campaign');
    // The first case's retry finds the turn taken and delivered: its notice is folded.
    await notify(cases[0]!.caseId, 'ready-for-decision', cases[0]!.findings);
    expect((await noticeOutcome(cases[0]!.caseId, 'ready-for-decision'))!.outcome).toBe('folded');

    for (const c of cases.slice(2)) await notify(c.caseId, 'ready-for-decision', c.findings);
    expect(hook.notices).toHaveLength(1);

    // A holder that took the escalation's turn and died before delivering holds it for the lease only.
    const route = 'payments-oncall@shop.example';
    expect(await store.takeCampaignNoticeTurn({ campaignId: row!.id, cases: 5, open: 5, caseId: cases[2]!.caseId, event: 'escalated', route, intervalMinutes: 10, leaseSeconds: 120 })).toMatchObject({ mine: true });
    await notify(cases[3]!.caseId, 'escalated', cases[3]!.findings);
    expect(hook.notices).toHaveLength(1);
    await db.query(`update campaign_notices set claimed_at = claimed_at - interval '3 minutes' where campaign_id = $1 and event = 'escalated'`, [row!.id]);
    await notify(cases[4]!.caseId, 'escalated', cases[4]!.findings);
    expect(hook.notices.map((x) => [x.campaignId, x.event])).toEqual([
      [row!.id, 'ready-for-decision'],
      [row!.id, 'escalated'],
    ]);

    // Once the last notice is older than the interval, the next case's turn tells the route again.
    const late = await caseFor(findingOn('jobs-6f8-f', binary));
    await notify(late.caseId, 'ready-for-decision', late.findings);
    expect(hook.notices).toHaveLength(2);
    await db.query(`update campaign_notices set delivered_at = delivered_at - interval '11 minutes' where campaign_id = $1 and event = 'ready-for-decision'`, [row!.id]);
    const later = await caseFor(findingOn('jobs-6f8-g', binary));
    await notify(later.caseId, 'ready-for-decision', later.findings);
    expect(hook.notices.map((x) => x.event)).toEqual(['ready-for-decision', 'escalated', 'ready-for-decision']);
    expect(hook.notices[2]!.text).toContain('7 cases');

    // A campaign decided since its last notice: a case that waits now is news, whatever the interval.
    await store.recordCampaignDecision({ campaignId: row!.id, planHash: 'a'.repeat(64), decision: 'approve', approver: 'secops@shop.example', via: 'console', reason: null, at: new Date(Date.now() + 1_000).toISOString(), cases: [] });
    const after = await caseFor(findingOn('jobs-6f8-h', binary));
    await notify(after.caseId, 'ready-for-decision', after.findings);
    expect(hook.notices.map((x) => x.event)).toEqual(['ready-for-decision', 'escalated', 'ready-for-decision', 'ready-for-decision']);
    expect(hook.notices[3]!.text).toContain('8 cases');
  });

  test("cases the campaign contained before they ever waited close with the campaign's notice, not each its own", async () => {
    const binary = sha();
    const cases = [];
    for (let i = 0; i < 6; i++) cases.push(await caseFor(findingOn(`orders-7e-${i}`, binary)));
    for (const c of cases.slice(0, 2)) await notify(c.caseId, 'ready-for-decision', c.findings);
    // The rest planned after the campaign's rollout: held by it, they never waited, and close contained.
    for (const c of cases) await setStatus(c.caseId, 'contained');
    for (const c of cases.slice(2)) await notify(c.caseId, 'contained', c.findings);
    expect(hook.notices.map((x) => [x.campaignId ? 'campaign' : 'case', x.event])).toEqual([
      ['campaign', 'ready-for-decision'],
      ['campaign', 'contained'],
    ]);
    for (const c of cases.slice(3)) expect((await noticeOutcome(c.caseId, 'contained'))!.outcome).toBe('folded');
  });

  test("cases that notify at once, as a storm's workers do, send one campaign notice between them", async () => {
    const binary = sha();
    const cases = [];
    for (let i = 0; i < 16; i++) cases.push(await caseFor(findingOn(`orders-4c-${i}`, binary)));
    const outcomes = await Promise.all(cases.map((c) => notify(c.caseId, 'ready-for-decision', c.findings).then(() => noticeOutcome(c.caseId, 'ready-for-decision'))));
    expect(hook.notices.filter((x) => x.campaignId)).toHaveLength(1);
    expect(hook.notices).toHaveLength(1);
    expect(outcomes.filter((o) => o!.outcome === 'campaign')).toHaveLength(1);
    expect(outcomes.filter((o) => o!.outcome === 'folded')).toHaveLength(15);
  });

  test('cases that close faster than their notices go out tell the final count once', async () => {
    const binary = sha();
    const cases = [];
    for (let i = 0; i < 12; i++) cases.push(await caseFor(findingOn(`orders-5d-${i}`, binary)));
    for (const c of cases) await notify(c.caseId, 'ready-for-decision', c.findings);
    await setStatus(cases[0]!.caseId, 'contained');
    await notify(cases[0]!.caseId, 'contained', cases[0]!.findings);
    for (const c of cases.slice(1)) await setStatus(c.caseId, 'contained');
    await Promise.all(cases.slice(1).map((c) => notify(c.caseId, 'contained', c.findings)));
    const closing = hook.notices.filter((x) => x.event === 'contained');
    expect(closing.map((x) => x.campaignId !== undefined)).toEqual([true, true]);
    expect(closing[0]!.text).toContain('1 contained, 11 investigating');
    expect(closing[1]!.text).toContain(': 12 contained.');
  });

  test("a campaign's owner is told once, by whichever of its cases acts first; one sending holds the others off; a failed send passes the turn", async () => {
    const campaignId = `campaign-${randomBytes(6).toString('hex')}`;
    await db.query(`insert into campaigns (id, key, kind, indicator, category, first_case_at, last_case_at) values ($1, $1, 'binary-sha256', $2, null, now(), now())`, [campaignId, sha()]);
    const owner = ['Team@shop.example'];
    let sends = 0;
    const send = async () => (sends++, true);
    await expect(campaignOwnerNotices(store, 'case-0000000000a1').tellOnce(campaignId, owner, () => Promise.reject(new Error('receiver down')))).rejects.toThrow('receiver down');
    expect(await campaignOwnerNotices(store, 'case-0000000000a2').told(campaignId, owner)).toBe(false);
    const answers = await Promise.allSettled(['a2', 'a3', 'a4', 'a5', 'a6'].map((c) => campaignOwnerNotices(store, `case-0000000000${c}`).tellOnce(campaignId, owner, send)));
    expect(sends).toBe(1);
    expect(answers.filter((a) => a.status === 'fulfilled' && a.value.status === 'sent')).toHaveLength(1);
    // The others found it sent, or (on a store that ran them at once) were told to come back while it was being sent.
    for (const a of answers) if (a.status === 'rejected') expect(String(a.reason)).toMatch(/is sending it/);
    expect(await campaignOwnerNotices(store, 'case-0000000000a7').tellOnce(campaignId, ['team@shop.example'], send)).toMatchObject({ status: 'told' });
    expect(await campaignOwnerNotices(store, 'case-0000000000a7').told(campaignId, owner)).toBe(true);
    // Another route is another owner.
    expect(await campaignOwnerNotices(store, 'case-0000000000a8').tellOnce(campaignId, ['storefront@shop.example'], send)).toMatchObject({ status: 'sent' });
    expect(sends).toBe(2);
    // A campaign decision or the interval never sends the owner notice again.
    await store.recordCampaignDecision({ campaignId, planHash: 'b'.repeat(64), decision: 'approve', approver: 'secops@shop.example', via: 'console', reason: null, at: new Date(Date.now() + 1_000).toISOString(), cases: [] });
    await db.query(`update campaign_notices set delivered_at = delivered_at - interval '1 day' where campaign_id = $1`, [campaignId]);
    expect(await campaignOwnerNotices(store, 'case-0000000000a9').tellOnce(campaignId, owner, send)).toMatchObject({ status: 'told' });
    expect(sends).toBe(2);
  });

  test("on Slack a campaign's notice links to the campaign, and carries no case's buttons", async () => {
    const binary = sha();
    const cases = [];
    for (const pod of ['a', 'b']) cases.push(await caseFor(findingOn(`pay-8c-${pod}`, binary)));
    const [row] = await store.campaignsOfCase(cases[0]!.caseId);
    const detail = (await store.campaign(row!.id))!;
    const slack = await receiver();
    try {
      await new SlackChannel(slack.url).deliver(campaignNotice(detail, { event: 'ready-for-decision', recipients: [], routedBy: 'the default route', claimedAt: new Date().toISOString(), consoleUrl: 'https://scc.shop.example' }));
      const body = JSON.stringify(slack.notices[0]);
      expect(body).toContain(`<https://scc.shop.example/campaigns/${row!.id}|Open the campaign in the console>`);
      expect(body).not.toContain('scc-responder approve case-');
    } finally {
      await slack.close();
    }
  });

  test('with the interval at 0 every case is told of on its own', async () => {
    const binary = sha();
    const cases = [];
    for (const pod of ['a', 'b', 'c']) cases.push(await caseFor(findingOn(`cart-9b-${pod}`, binary)));
    for (const c of cases) await notify(c.caseId, 'ready-for-decision', c.findings, 0);
    expect(hook.notices.map((x) => x.caseId)).toEqual(cases.map((c) => c.caseId));
  });
});
