import { Worker } from '@temporalio/worker';
import { stormScenario } from '../../src/bench/storm-scenario';
import { campaignPlanHash } from '../../src/cases/campaign-plan';
import { parseFindingObject } from '../../src/findings/parse';
import { loadScenario } from '../../src/lab/scenario';
import type { ConsoleServer } from '../../src/server/console-server';
import type { CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { signInCookie, startRigConsole } from '../console-harness';
import { prebuiltWorkflowBundle } from '../temporal/harness';

/**
 * Cases of one campaign wait on plans that share one rollback. When a decision reaches some of
 * them and the rollback is in place, the others hear of it, plan again, find it contains them,
 * and close as the campaign's without a decision of their own. Real Temporal, the lab's
 * Deployment controller, a real listener.
 */
let rig: CaseRig;
let server: ConsoleServer;
const password = 'lab password for tests';
const storm = stormScenario(loadScenario(), { findings: 4, pods: 4, binaries: 1, runTag: 'ac' });
const finding = (i: number) => parseFindingObject(storm.findings[i]);

beforeAll(async () => {
  rig = await startCaseRig({}, { lab: { scenario: storm.scenario }, campaignSampleSize: 2, campaignResponse: { preservePods: 1 } });
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops], password, ['@acme.example']);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
});

test('the rollback one decision put in place contains the cases of the campaign that waited on it: they plan again and close as the campaign\'s', async () => {
  // The first pod alone plans for itself; the next three are a pattern, and plan the Deployment's rollback.
  const first = await rig.ingest(finding(0));
  const alone = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  expect(alone.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod']);
  const later = await Promise.all([1, 2, 3].map((i) => rig.ingest(finding(i))));
  const ready = await Promise.all(later.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision')));
  for (const snapshot of ready) expect(snapshot.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'rollback-workload']);
  const [campaign] = await rig.store.campaignsOfCase(first.caseId);

  // One of them is decided (a plan of one case, named with its hash): it rolls the Deployment back.
  const secops = await signInCookie(server, approvers.secops, password);
  const one = [{ caseId: later[0]!.caseId, planHash: ready[0]!.plan!.hash }];
  const decided = await fetch(`${server.url}/api/campaigns/${campaign!.id}/decision`, {
    method: 'POST',
    headers: { cookie: secops, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve', planHash: campaignPlanHash(campaign!.id, one), cases: one, reason: 'the bad release' }),
  });
  expect(decided.status).toBe(200);
  const handles = later.map((c) => rig.env.client.workflow.getHandle(c.workflowId, c.runId));
  const [acted, ...others] = (await Promise.all(handles.map((h) => h.result()))) as CaseSnapshot[];
  expect(acted!.actions.find((a) => a.action === 'rollback-workload')).toMatchObject({ status: 'applied' });
  expect(acted!.decisions.map((d) => d.approver)).toEqual([approvers.secops]);

  // The other two waited on the same rollback: told it is in place, each planned again and is contained by the campaign.
  for (const [i, outcome] of others.entries()) {
    expect(outcome).toMatchObject({ status: 'contained', outcome: 'contained' });
    expect(outcome.plan!.campaignHeld).toEqual({ campaignId: campaign!.id, actions: [1] });
    expect(outcome.plan!.actions[1]).toEqual(ready[i + 1]!.plan!.actions[1]);
    expect(outcome.decisions).toEqual([expect.objectContaining({ approver: `campaign:${campaign!.id}`, via: 'campaign', reason: `contained by campaign ${campaign!.id}: rollback-workload approved for its cases and in place already` })]);
    expect(outcome.actions.find((a) => a.action === 'rollback-workload')).toMatchObject({ status: 'already-done', detail: "in place: the campaign's containment, approved for its cases" });
    const timeline = (await rig.store.getCase(later[i + 1]!.caseId))!.timeline;
    expect(timeline.find((t) => t.kind === 'campaign-acted')?.detail).toEqual({ campaignId: campaign!.id, action: 'rollback-workload', byCase: later[0]!.caseId });
    expect(timeline.filter((t) => t.kind === 'plan-changed')).toHaveLength(1);
  }

  // The first case planned to replace its own pod; the rollout kept that pod for forensics, isolated and out of its
  // ReplicaSet. Told too, it planned again: the rollout in place contains it, and it closes as the campaign's, replacing nothing.
  const firstHandle = rig.env.client.workflow.getHandle(first.workflowId, first.runId);
  const kept = (await firstHandle.result()) as CaseSnapshot;
  expect(kept).toMatchObject({ status: 'contained', plan: { campaignHeld: { campaignId: campaign!.id, actions: [1] } } });
  expect(kept.decisions.map((d) => d.approver)).toEqual([`campaign:${campaign!.id}`]);
  // The owner heard of the campaign from the case that rolled out: told once, not again by this one.
  expect(kept.actions.map((a) => [a.action, a.status])).toEqual([
    ['notify-owner', 'already-done'],
    ['rollback-workload', 'already-done'],
  ]);
  expect(rig.notices.filter((n) => n.event === 'owner-notice').map((n) => n.campaignId)).toEqual([campaign!.id]);
  handles.push(firstHandle);
  later.push(first);

  for (const [i, handle] of handles.entries()) {
    await Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await handle.fetchHistory(), later[i]!.workflowId);
  }
}, 240_000);
