import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { ConsoleServer } from '../../src/server/console-server';
import { callAs, signInCookie, startRigConsole } from '../console-harness';
import { cliOnRig } from '../cli-harness';

/**
 * One decision on a campaign's plan covers its cases: the API signs it for the authenticated
 * approver and each case judges it on its own plan hash. Real Temporal, the lab, a real listener.
 */
let rig: CaseRig;
let server: ConsoleServer;
let harness: Awaited<ReturnType<typeof cliOnRig>>;
const password = 'lab password for tests';
const viewer = 'analyst@acme.example';

beforeAll(async () => {
  rig = await startCaseRig({}, { campaignNoticeMinutes: 10 });
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops, approvers.lead, viewer], password, ['@acme.example']);
  harness = await cliOnRig(rig);
}, 180_000);

afterAll(async () => {
  await harness?.stop();
  await server?.close();
  await rig?.stop();
});

const call = (path: string, cookie: string, init: RequestInit = {}) => callAs(server, path, cookie, init);

/** Notices are delivered beside the case's record of them: waits, bounded, for one to land. */
async function until(done: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a notice');
  }
}

interface CampaignView {
  plan: { hash: string; cases: { caseId: string; planHash: string; destructive: boolean; workload: { kind: string; name: string } | null }[]; actions: Record<string, number>; blastRadius: { cases: number; workloads: string[]; replicas: number } } | null;
  decisions: { approver: string; decision: string; planHash: string; cases: { caseId: string; outcome: string }[] }[];
  canDecide: boolean;
}

test("one approval of a campaign's plan contains each of its cases; a case that joins afterwards makes a new plan, asked again", async () => {
  const cases = await Promise.all(
    [
      ['checkout-api-7d9f8b6c5-x2k8q', 'dec1de000000000000000000000000a1'],
      ['checkout-api-7d9f8b6c5-lq4zp', 'dec1de000000000000000000000000b2'],
    ].map(([pod, id]) => rig.ingest(rig.findingOnPod('Added Binary Executed', pod!, id!))),
  );
  const ready = await Promise.all(cases.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision')));
  const [campaign] = await rig.store.campaignsOfCase(cases[0]!.caseId);
  const analyst = await signInCookie(server, viewer, password);
  const secops = await signInCookie(server, approvers.secops, password);
  const path = `/api/campaigns/${campaign!.id}`;

  const seen = (await call(path, secops)).body as unknown as CampaignView;
  expect(seen.canDecide).toBe(true);
  expect((await call(path, analyst)).body.canDecide).toBe(false);
  // In the order the cases joined, whichever opened first.
  const byCase = (pairs: string[][]) => [...pairs].sort((a, b) => a[0]!.localeCompare(b[0]!));
  expect(byCase(seen.plan!.cases.map((c) => [c.caseId, c.planHash]))).toEqual(byCase(cases.map((c, i) => [c.caseId, ready[i]!.plan!.hash])));
  expect(seen.plan!.actions).toMatchObject({ 'notify-owner': 2 });
  expect(seen.plan!.blastRadius).toMatchObject({ cases: 2, workloads: ['us-central1/payments-prod checkout/Deployment checkout-api'], replicas: 2 });

  const decide = (cookie: string, body: Record<string, unknown>) => call(`${path}/decision`, cookie, { method: 'POST', body: JSON.stringify(body) });
  expect(await decide(analyst, { decision: 'approve', planHash: seen.plan!.hash })).toEqual({ status: 403, body: { error: `${viewer} is not on the approvers list` } });
  expect(await decide(secops, { decision: 'approve', planHash: seen.plan!.hash, approver: approvers.lead })).toMatchObject({ status: 400 });
  expect(await decide(secops, { decision: 'approve', planHash: 'e'.repeat(64) })).toMatchObject({ status: 409, body: { error: expect.stringContaining(`the campaign's plan is now ${seen.plan!.hash}`) } });
  // A case's own plan hash is not the campaign's.
  expect(await decide(secops, { decision: 'approve', planHash: ready[0]!.plan!.hash })).toMatchObject({ status: 409 });

  const decided = await decide(secops, { decision: 'approve', planHash: seen.plan!.hash, reason: 'one image, one incident' });
  expect(decided).toEqual({ status: 200, body: { campaignId: campaign!.id, planHash: seen.plan!.hash, decision: 'approve', cases: seen.plan!.cases.map((c) => ({ caseId: c.caseId, planHash: c.planHash, outcome: 'recorded', approvalsNeeded: 0 })) } });
  for (const c of cases) {
    expect(await rig.env.client.workflow.getHandle(c.workflowId, c.runId).result()).toMatchObject({ status: 'contained' });
    const record = (await call(`/api/cases/${c.caseId}`, analyst)).body as { decisions: { approver: string; reason: string }[]; campaigns: { id: string }[] };
    expect(record.decisions).toEqual([expect.objectContaining({ approver: approvers.secops, reason: `campaign ${campaign!.id} plan ${seen.plan!.hash}: one image, one incident` })]);
    expect(record.campaigns.map((x) => x.id)).toContain(campaign!.id);
  }
  // The route heard of the two cases once, as their campaign, and of their containment the same way.
  const told = (event: string) => rig.notices.filter((n) => n.event === event && (n.campaignId === campaign!.id || cases.some((c) => c.caseId === n.caseId)));
  await until(() => told('contained').length > 0);
  expect(told('ready-for-decision')).toEqual([expect.objectContaining({ campaignId: campaign!.id, text: expect.stringContaining('2 cases') })]);
  expect(told('contained').every((n) => n.campaignId === campaign!.id && n.caseId === undefined)).toBe(true);
  const after = (await call(path, secops)).body as unknown as CampaignView;
  expect(after.plan).toBeNull();
  expect(after.canDecide).toBe(false);
  expect(after.decisions).toEqual([expect.objectContaining({ approver: approvers.secops, decision: 'approve', planHash: seen.plan!.hash, cases: seen.plan!.cases.map((c) => expect.objectContaining({ caseId: c.caseId, outcome: 'recorded' })) })]);
  expect(await decide(secops, { decision: 'approve', planHash: seen.plan!.hash })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/none of the cases .* waits for a decision/) } });

  // A pod of another workload turns up with the same binary: the campaign's plan is new, and the old approval does not cover it.
  const late = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'ledger-db-0', 'dec1de000000000000000000000000c3'));
  const lateReady = await rig.waitForStatus(late.workflowId, late.runId, 'awaiting-decision');
  const replanned = (await call(path, secops)).body as unknown as CampaignView;
  expect(replanned.plan!.cases.map((c) => [c.caseId, c.planHash])).toEqual([[late.caseId, lateReady.plan!.hash]]);
  expect(replanned.plan!.hash).not.toBe(seen.plan!.hash);
  expect(replanned.plan!.blastRadius.workloads).toEqual(['us-central1/payments-prod checkout/StatefulSet ledger-db']);
  expect(await decide(secops, { decision: 'approve', planHash: seen.plan!.hash })).toMatchObject({ status: 409 });
  // The campaign was decided since its last notice: the case that waits now is news.
  await until(() => told('ready-for-decision').length > 1);
  expect(told('ready-for-decision')[1]).toMatchObject({ campaignId: campaign!.id, text: expect.stringContaining('3 cases') });

  // The same from the command line, through the console that authenticates the caller.
  const shown = await harness.cli('campaign', 'show', campaign!.id);
  expect(shown.stdout).toContain(`plan ${replanned.plan!.hash}: 1 case(s) waiting`);
  const impostor = await harness.cli('campaign', 'reject', campaign!.id, '--user', 'mallory@evil.example', '--reason', 'not mine');
  expect(impostor.code).not.toBe(0);
  expect(impostor.stderr).toContain('mallory@evil.example is not on the approvers list');
  const stale = await harness.cli('campaign', 'approve', campaign!.id, '--user', approvers.secops, '--plan', seen.plan!.hash);
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain('stale plan');
  const rejected = await harness.cli('campaign', 'reject', campaign!.id, '--user', approvers.secops, '--reason', 'a test pod', '--plan', replanned.plan!.hash);
  expect(rejected).toMatchObject({ code: 0, stdout: expect.stringContaining('1 recorded, 0 refused') });
  expect(await rig.env.client.workflow.getHandle(late.workflowId, late.runId).result()).toMatchObject({ status: 'rejected' });
});
