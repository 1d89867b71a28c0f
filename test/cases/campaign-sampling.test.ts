import { Worker } from '@temporalio/worker';
import { startCaseRig, type CaseRig } from '../case-rig';
import { prebuiltWorkflowBundle } from '../temporal/harness';

/**
 * A campaign collects what repeats across its pods (the finding review, the logs, the binary in
 * the container) from the first cases of its sample; the cases after them record that they were
 * sampled, still check their own pod and get their own plan. Real Temporal, the lab's APIs.
 */
let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig({}, { campaignSampleSize: 1 });
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const operationsSince = (before: Record<string, number>) =>
  Object.fromEntries(Object.entries(rig.lab.operations).flatMap(([op, n]) => (n - (before[op] ?? 0) > 0 ? [[op, n - (before[op] ?? 0)]] : [])));

test("cases beyond the campaign's sample leave the pod-level evidence to it, say so step by step, still plan for their own pod, and replay", async () => {
  const first = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-x2k8q', '5amp1e000000000000000000000000a1'));
  const collected = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  expect(collected.steps.map((s) => [s.step, s.outcome])).toEqual([
    ['capture', 'ok'],
    ['pod', 'ok'],
    ['cluster-and-node', 'ok'],
    ['logs', 'ok'],
    ['review', 'ok'],
    ['research', 'ok'],
  ]);

  // Two more pods of the storm at once: whichever opens first, each is sampled (the sample is one case).
  const before = { ...rig.lab.operations };
  const later = await Promise.all(
    [
      ['checkout-api-7d9f8b6c5-lq4zp', '5amp1e000000000000000000000000b2'],
      ['ledger-db-0', '5amp1e000000000000000000000000c3'],
    ].map(([pod, id]) => rig.ingest(rig.findingOnPod('Added Binary Executed', pod!, id!))),
  );
  const ready = await Promise.all(later.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision')));
  const [campaign] = await rig.store.campaignsOfCase(first.caseId);
  for (const snapshot of ready) {
    // Listed in the collection order, sampled or not.
    expect(snapshot.steps.map((s) => [s.step, s.outcome])).toEqual([
      ['capture', 'sampled'],
      ['pod', 'ok'],
      ['cluster-and-node', 'ok'],
      ['logs', 'sampled'],
      ['review', 'sampled'],
      ['research', 'ok'],
    ]);
    expect(snapshot.steps[0]!.summary).toMatch(new RegExp(`^sampled: campaign ${campaign!.id} collects this from cases ${first.caseId}; this is its case [23]$`));
    expect(snapshot.plan!.actions.map((a) => a.action)).toContain('notify-owner');
  }
  expect(ready[1]!.plan!.blastRadius).toMatchObject({ owners: [{ kind: 'StatefulSet', name: 'ledger-db' }] });

  // Nothing was read from the sampled pods' containers or logs, nor related findings listed for them.
  const spent = operationsSince(before);
  expect(Object.keys(spent).filter((op) => /^logging |exec|ephemeral|^scc .*list/i.test(op))).toEqual([]);
  expect(spent['kubernetes get pods'] ?? 0).toBeGreaterThanOrEqual(2);

  // The record says who collected and who was sampled; the timeline says why.
  const detail = (await rig.store.campaign(campaign!.id))!;
  expect(Object.fromEntries(detail.members.map((m) => [m.caseId, m.evidence]))).toEqual({ [first.caseId]: 'collected', [later[0]!.caseId]: 'sampled', [later[1]!.caseId]: 'sampled' });
  const record = (await rig.store.getCase(later[0]!.caseId))!;
  expect(record.timeline.find((t) => t.kind === 'campaign-sampling')?.detail).toMatchObject({ campaignId: campaign!.id, collects: false, sample: [first.caseId], sampleSize: 1 });
  expect(record.timeline.filter((t) => t.kind === 'step' && t.outcome === 'sampled').map((t) => t.step).sort()).toEqual(['capture', 'logs', 'review']);
  // Sampled is not missing: no gap for what the sample collected.
  expect(record.timeline.filter((t) => (t.kind === 'gap' || (t.kind === 'step' && t.outcome === 'gap')) && ['capture', 'logs', 'review'].includes(t.step ?? ''))).toEqual([]);

  for (const c of [first, ...later]) {
    const handle = rig.env.client.workflow.getHandle(c.workflowId, c.runId);
    await Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await handle.fetchHistory(), c.workflowId);
    await handle.terminate('test over');
  }
});
