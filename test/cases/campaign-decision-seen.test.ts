import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { ConsoleServer } from '../../src/server/console-server';
import { campaignPlanHash } from '../../src/cases/campaign-plan';
import { callAs, signInCookie, startRigConsole, waitingCampaign, type CampaignView } from '../console-harness';
import { cliOnRig } from '../cli-harness';

/**
 * In a storm the campaign's plan changes while its approver reads it: a decision that names the
 * cases it saw goes to those still waiting on what was seen, and leaves a case that joined since
 * for a decision of its own. Real Temporal, the lab, a real listener.
 */
let rig: CaseRig;
let server: ConsoleServer;
let harness: Awaited<ReturnType<typeof cliOnRig>>;
const password = 'lab password for tests';

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops], password, ['@acme.example']);
  harness = await cliOnRig(rig);
}, 180_000);

afterAll(async () => {
  await harness?.stop();
  await server?.close();
  await rig?.stop();
});

const call = (path: string, cookie: string, init: RequestInit = {}) => callAs(server, path, cookie, init);


test('a decision that names the cases its approver saw reaches those still waiting on them; one that joined since is left for its own decision', async () => {
  const { campaignId, cases: seenCases } = await waitingCampaign(rig, [
    ['checkout-api-7d9f8b6c5-x2k8q', 'dec1de000000000000000000000005a1'],
    ['checkout-api-7d9f8b6c5-lq4zp', 'dec1de000000000000000000000005b2'],
  ]);
  const secops = await signInCookie(server, approvers.secops, password);
  const path = `/api/campaigns/${campaignId}`;
  const seen = ((await call(path, secops)).body as unknown as CampaignView).plan!;
  const pairs = seen.cases.map(({ caseId, planHash }) => ({ caseId, planHash }));
  expect(pairs.map((p) => p.caseId).sort()).toEqual(seenCases.map((c) => c.caseId).sort());

  // While the approver reads, another pod turns up with the same binary: the campaign's plan is another now.
  const late = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'ledger-db-0', 'dec1de000000000000000000000005c3'));
  await rig.waitForStatus(late.workflowId, late.runId, 'awaiting-decision');
  const now = ((await call(path, secops)).body as unknown as CampaignView).plan!;
  expect(now.hash).not.toBe(seen.hash);
  expect(now.cases.map((c) => c.caseId)).toContain(late.caseId);

  const decide = (body: Record<string, unknown>) => call(`${path}/decision`, secops, { method: 'POST', body: JSON.stringify(body) });
  // By its hash alone, what was seen is stale: nobody could tell which cases it meant.
  expect(await decide({ decision: 'approve', planHash: seen.hash })).toMatchObject({ status: 409, body: { error: expect.stringContaining('stale plan') } });
  // Cases that are not the plan named (one left out, one named twice, a plan hash changed) are not what was seen.
  expect(await decide({ decision: 'approve', planHash: seen.hash, cases: pairs.slice(0, 1) })).toMatchObject({ status: 400, body: { error: expect.stringContaining('the cases named are not the plan') } });
  expect(await decide({ decision: 'approve', planHash: seen.hash, cases: [...pairs, pairs[0]] })).toMatchObject({ status: 400, body: { error: 'cases: a case is named twice' } });
  expect(await decide({ decision: 'approve', planHash: seen.hash, cases: [{ ...pairs[0]!, planHash: 'f'.repeat(64) }, pairs[1]] })).toMatchObject({ status: 400 });

  // A campaign of hundreds of cases names them all (about a hundred bytes each), in a body no other route takes.
  const many = Array.from({ length: 800 }, (_, i) => ({ caseId: `case-${i.toString(16).padStart(12, '0')}`, planHash: 'a'.repeat(64) }));
  expect(JSON.stringify(many).length).toBeGreaterThan(64 * 1024);
  expect(await decide({ decision: 'approve', planHash: seen.hash, cases: many })).toMatchObject({ status: 400, body: { error: expect.stringContaining('the cases named are not the plan') } });
  const tooMany = Array.from({ length: 13_000 }, (_, i) => ({ caseId: `case-${i.toString(16).padStart(12, '0')}`, planHash: 'a'.repeat(64) }));
  expect((await decide({ decision: 'approve', planHash: seen.hash, cases: tooMany })).status).toBe(413);
  expect((await call(`/api/cases/${pairs[0]!.caseId}/decision`, secops, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash: pairs[0]!.planHash, reason: 'x'.repeat(70 * 1024) }) })).status).toBe(413);

  // One case decided by itself first (a plan of one, named with its hash): it no longer waits when the two are decided.
  const one = [pairs[0]!];
  expect(await decide({ decision: 'approve', planHash: campaignPlanHash(campaignId, one), cases: one })).toMatchObject({ status: 200, body: { cases: [{ caseId: pairs[0]!.caseId, outcome: 'recorded' }] } });
  const [firstHandle, secondHandle] = pairs.map((p) => {
    const c = seenCases.find((x) => x.caseId === p.caseId)!;
    return rig.env.client.workflow.getHandle(c.workflowId, c.runId);
  });
  expect(await firstHandle!.result()).toMatchObject({ status: 'contained' });

  const decided = await decide({ decision: 'approve', planHash: seen.hash, cases: pairs, reason: 'one image, one incident' });
  expect(decided).toEqual({
    status: 200,
    body: {
      campaignId: campaignId,
      planHash: seen.hash,
      decision: 'approve',
      cases: [
        { ...pairs[0], outcome: 'refused', error: `refused: ${pairs[0]!.caseId} no longer waits for a decision` },
        { ...pairs[1], outcome: 'recorded', approvalsNeeded: 0 },
      ],
    },
  });
  expect(await secondHandle!.result()).toMatchObject({ status: 'contained' });
  // The case that joined after the approver looked was not decided: it waits, the campaign's plan now.
  const after = (await call(path, secops)).body as unknown as CampaignView;
  expect(after.plan!.cases.map((c) => c.caseId)).toEqual([late.caseId]);
  expect((await rig.env.client.workflow.getHandle(late.workflowId, late.runId).query('status')) as { status: string }).toMatchObject({ status: 'awaiting-decision' });
  expect(after.decisions.at(-1)).toMatchObject({ planHash: seen.hash, cases: [expect.objectContaining({ outcome: 'refused' }), expect.objectContaining({ outcome: 'recorded' })] });
  // What was seen, once more: none of it waits any more.
  expect(await decide({ decision: 'approve', planHash: seen.hash, cases: pairs })).toMatchObject({ status: 409, body: { error: expect.stringContaining('none of the 2 case(s)') } });

  // The command line sends the cases it read with the hash: the late case, decided there.
  const rejected = await harness.cli('campaign', 'reject', campaignId, '--user', approvers.secops, '--reason', 'a test pod');
  expect(rejected).toMatchObject({ code: 0, stdout: expect.stringContaining('1 recorded, 0 refused') });
  expect(await rig.env.client.workflow.getHandle(late.workflowId, late.runId).result()).toMatchObject({ status: 'rejected' });
}, 240_000);
