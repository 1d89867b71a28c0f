import { ApplicationFailure } from '@temporalio/activity';
import type { CaseActivities } from '../../src/activities';
import { statusQuery, type CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { historyEvents, scheduledActivities, type HistoryEvent } from '../history-facts';

/**
 * Since `case-patches-2` a case tells SCC of itself while it tells the owner that a decision is
 * due, in one workflow task, where the write-back went first and the notice a task later; and it
 * sets a search attribute only to a value it does not hold (the start sets the first finding's
 * name, and the opening write set it again). Either message may fail: each is its own gap, and
 * the case waits for its decision all the same.
 */
let rig: CaseRig;
/** Each test's case is about a pod of its own: the overrides below tell them apart by it. */
const pods = { quiet: 'checkout-api-7d9f8b6c5-x2k8q', joined: 'checkout-api-7d9f8b6c5-lq4zp', refused: 'ledger-db-0' };

const handleOf = (workflowId: string) => rig.env.client.workflow.getHandle(workflowId);
const history = (workflowId: string): Promise<HistoryEvent[]> => historyEvents(rig.env.client, workflowId);
const podOf = (subject: { runtime: string; pod?: string }) => (subject.runtime === 'gke' ? subject.pod : undefined);

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({
    activityOverrides: (real: CaseActivities) => ({
      async writeBackToScc(input) {
        if (input.findingNames.some((name) => name.includes('b3s1de50000000000000000000000003'))) throw ApplicationFailure.nonRetryable('securityMarks.update is forbidden (injected)', 'PermissionDenied');
        return real.writeBackToScc(input);
      },
      async notify(input) {
        if (input.findings.some((f) => podOf(f.subject) === pods.refused)) throw ApplicationFailure.nonRetryable('the webhook refused the notice (injected)', 'PermissionDenied');
        return real.notify(input);
      },
    }),
  });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const scheduled = scheduledActivities;

/** The search attributes each upsert of the history set, by name. */
const upserted = (events: HistoryEvent[]) => events.flatMap((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));

/** The history once the ready notice is scheduled (the plan's own write puts the case in `awaiting-decision` a task before). */
async function historyThroughNotice(workflowId: string): Promise<HistoryEvent[]> {
  for (let tries = 0; tries < 400; tries++) {
    const events = await history(workflowId);
    if (scheduled(events).some((s) => s.name === 'notify')) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${workflowId} never sent its ready notice`);
}

async function untilSnapshot(workflowId: string, holds: (snapshot: CaseSnapshot) => boolean): Promise<CaseSnapshot> {
  for (let tries = 0; tries < 400; tries++) {
    const snapshot = await handleOf(workflowId).query(statusQuery);
    if (holds(snapshot)) return snapshot;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${workflowId} never reached the state the test waits for`);
}

test('the write-back goes out in the workflow task of the ready notice, and a case of one finding upserts no finding names its start had set', async () => {
  const finding = rig.findingOnPod('Added Binary Executed', pods.quiet, 'b3s1de50000000000000000000000001');
  const { workflowId, runId } = await rig.ingest(finding);
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const events = await historyThroughNotice(workflowId);
  const [writeBack, notice] = [scheduled(events).find((s) => s.name === 'writeBackToScc'), scheduled(events).find((s) => s.name === 'notify')];
  expect(writeBack).toBeDefined();
  expect(writeBack?.task).toBe(notice?.task);
  expect(upserted(events)).not.toContain('SccFindingNames');
  const attributes = (await handleOf(workflowId).describe()).searchAttributes;
  expect(attributes.SccFindingNames).toEqual([finding.finding.name]);
  expect(attributes.SccCaseStatus).toEqual(['awaiting-decision']);
});

test('a finding that joins is set in the finding names, once', async () => {
  const first = rig.findingOnPod('Added Binary Executed', pods.joined, 'b3s1de50000000000000000000000002');
  const { workflowId, runId } = await rig.ingest(first);
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  await historyThroughNotice(workflowId);
  const second = rig.findingOnPod('Added Binary Executed', pods.joined, 'b3s1de50000000000000000000000012');
  await rig.ingest(second);
  await untilSnapshot(workflowId, (snapshot) => snapshot.findings.length === 2);
  for (let tries = 0; tries < 400 && upserted(await history(workflowId)).filter((name) => name === 'SccFindingNames').length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(upserted(await history(workflowId)).filter((name) => name === 'SccFindingNames')).toHaveLength(1);
  expect([...((await handleOf(workflowId).describe()).searchAttributes.SccFindingNames ?? [])].sort()).toEqual([first.finding.name, second.finding.name].sort());
});

test('a refused write-back and a refused notice are each a gap, and the case still waits for its decision and acts on it', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', pods.refused, 'b3s1de50000000000000000000000003'));
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const waiting = await untilSnapshot(workflowId, (snapshot) => ['scc-write-back', 'notify'].every((step) => (snapshot.gaps ?? []).some((g) => g.step === step)));
  expect(waiting.status).toBe('awaiting-decision');
  // The workflow knows of a gap before the journal's write of it lands: wait for the record, bounded.
  const gapSteps = async () => ((await rig.store.getCase(caseId))?.timeline ?? []).filter((t) => t.kind === 'gap').map((t) => t.step).sort();
  for (let tries = 0; tries < 400 && (await gapSteps()).length < 2; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await gapSteps()).toEqual(['notify', 'scc-write-back']);
  const record = (await rig.store.getCase(caseId))!;
  expect(record.case.status).toBe('awaiting-decision');
  await rig.decide(handleOf(workflowId), { decision: 'approve', approver: approvers.secops, planHash: waiting.plan!.hash });
  const done = (await handleOf(workflowId).result()) as CaseSnapshot;
  expect(['contained', 'closed']).toContain(done.status);
});
