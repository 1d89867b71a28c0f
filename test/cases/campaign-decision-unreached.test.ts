import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { ConsoleServer } from '../../src/server/console-server';
import { callAs, signInCookie, startRigConsole, waitingCampaign, type CampaignView } from '../console-harness';
import { statusQuery } from '../../src/workflows/shared';

/**
 * A campaign decision is on record before any case hears of it. A console that cannot reach
 * Temporal says so, and the record says what happened: sent, unanswered. The cases still wait on
 * the same plan, and the decision made again through a console that reaches them is taken.
 * Real Temporal for the cases, the lab, real listeners; the unreachable Temporal is a closed port.
 */
let rig: CaseRig;
let server: ConsoleServer;
let cutOff: ConsoleServer;
let deadConnection: Connection;
const password = 'lab password for tests';

/** A loopback port that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops], password, ['@acme.example']);
  // No retries: the refusal comes at once rather than after the client's backoff.
  deadConnection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: [] });
  cutOff = await startRigConsole(rig, [approvers.secops], password, ['@acme.example'], rig.authority, { client: new Client({ connection: deadConnection }) });
}, 180_000);

afterAll(async () => {
  await cutOff?.close();
  await server?.close();
  await deadConnection?.close().catch(() => undefined);
  await rig?.stop();
});

test('a decision no case could hear is on record as unanswered, the cases still wait on the plan seen, and the decision made again is taken', async () => {
  const { campaignId, cases } = await waitingCampaign(rig, [
    ['checkout-api-7d9f8b6c5-x2k8q', 'c0ffee0000000000000000000000d0a1'],
    ['checkout-api-7d9f8b6c5-lq4zp', 'c0ffee0000000000000000000000d0b2'],
  ]);
  const path = `/api/campaigns/${campaignId}`;
  const viaCutOff = await signInCookie(cutOff, approvers.secops, password);
  const seen = ((await callAs(cutOff, path, viaCutOff)).body as unknown as CampaignView).plan!;
  const pairs = seen.cases.map(({ caseId, planHash }) => ({ caseId, planHash }));
  expect(pairs.map((p) => p.caseId).sort()).toEqual(cases.map((c) => c.caseId).sort());

  const unheard = await callAs(cutOff, `${path}/decision`, viaCutOff, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash: seen.hash, cases: pairs }) });
  expect(unheard).toMatchObject({ status: 503, body: { error: expect.stringMatching(/no case of campaign-\w+ answered .*the decision is on record, its 2 case\(s\) unanswered/) } });

  const viaServer = await signInCookie(server, approvers.secops, password);
  const after = (await callAs(server, path, viaServer)).body as unknown as CampaignView;
  expect(after.decisions).toHaveLength(1);
  expect(after.decisions[0]).toMatchObject({ planHash: seen.hash, approver: approvers.secops });
  expect(after.decisions[0]!.cases.map((c) => c.outcome)).toEqual(['unanswered', 'unanswered']);
  expect(after.decisions[0]!.cases.every((c) => c.error?.startsWith('no answer: '))).toBe(true);
  // Nothing reached the cases: they wait, on the plan that was seen.
  expect(after.plan).toMatchObject({ hash: seen.hash });
  for (const c of cases) expect((await rig.env.client.workflow.getHandle(c.workflowId, c.runId).query(statusQuery)).status).toBe('awaiting-decision');

  const heard = await callAs(server, `${path}/decision`, viaServer, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash: seen.hash, cases: pairs }) });
  expect(heard).toMatchObject({ status: 200 });
  expect((heard.body as unknown as CampaignView['decisions'][number]).cases.map((c) => c.outcome)).toEqual(['recorded', 'recorded']);
  for (const c of cases) expect(await rig.env.client.workflow.getHandle(c.workflowId, c.runId).result()).toMatchObject({ status: 'contained' });
  const settled = ((await callAs(server, path, viaServer)).body as unknown as CampaignView).decisions;
  expect(settled.map((d) => d.cases.map((c) => c.outcome))).toEqual([
    ['unanswered', 'unanswered'],
    ['recorded', 'recorded'],
  ]);
}, 240_000);
