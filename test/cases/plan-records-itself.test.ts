import { ApplicationFailure } from '@temporalio/activity';
import type { CaseActivities } from '../../src/activities';
import { startCaseRig, type CaseRig } from '../case-rig';
import { historyEvents, scheduledActivityNames, type HistoryEvent } from '../history-facts';

/**
 * Since `plan-records-itself` the plan's activity writes the plan, the case's "awaiting decision"
 * and whatever the case had still to write (a finding that joined while the steps ran) to the
 * record: no record activity between the steps and SCC's write-back. A plan that fails, one from a
 * worker of an older build, and one whose activity is retried after it wrote, all leave the same
 * record: nothing lost, nothing twice.
 */
let rig: CaseRig;
/** Each test's case is about a pod of its own: the overrides below tell them apart by it. */
const pods = { writes: 'checkout-api-7d9f8b6c5-x2k8q', olderBuild: 'nightly-reconcile-5w7tq', fails: 'ledger-db-0', retried: 'checkout-api-7d9f8b6c5-lq4zp' };
/** The second finding of each case, ingested while its pod is being checked. */
const joining = new Map<string, string>([
  [pods.writes, 'p1an5000000000000000000000000011'],
  [pods.olderBuild, 'p1an5000000000000000000000000012'],
  [pods.fails, 'p1an5000000000000000000000000013'],
  [pods.retried, 'p1an5000000000000000000000000014'],
]);
const retriedOnce = new Set<string>();

const history = (workflowId: string): Promise<HistoryEvent[]> => historyEvents(rig.env.client, workflowId);

/** A finding joins while the pod is checked, and the check ends only once the case has taken the signal in (a workflow task completed after it). */
async function joinWhileChecking(pod: string): Promise<void> {
  const findingId = joining.get(pod);
  if (!findingId) return;
  const { workflowId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', pod, findingId));
  for (let tries = 0; tries < 200; tries++) {
    const events = await history(workflowId);
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'finding');
    const second = signals[1];
    if (second && events.some((e) => e.workflowTaskCompletedEventAttributes && Number(e.eventId) > Number(second.eventId))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the joining finding on ${pod} never reached its case`);
}

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({
    activityOverrides: (real: CaseActivities) => ({
      async checkPod(input) {
        if (input.subject.runtime === 'gke') await joinWhileChecking(input.subject.pod);
        return real.checkPod(input);
      },
      async planContainment(input) {
        const pod = input.findings[0]?.subject.runtime === 'gke' ? input.findings[0].subject.pod : '';
        // As a worker from before: the request to present the plan is not understood.
        if (pod === pods.olderBuild) return real.planContainment({ ...input, present: undefined });
        if (pod === pods.fails) throw ApplicationFailure.nonRetryable('deployments is forbidden (injected)', 'PermissionDenied');
        const planned = await real.planContainment(input);
        // Written, then lost on its way back: the retry writes the same again.
        if (pod === pods.retried && !retriedOnce.has(pod)) {
          retriedOnce.add(pod);
          throw ApplicationFailure.retryable('the answer was lost (injected)', 'Unavailable');
        }
        return planned;
      },
    }),
  });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const activityNames = scheduledActivityNames;

/** The input the case gave its (first) plan activity, as the history holds it. */
function planInput(events: HistoryEvent[]): { findings: { name: string }[]; present?: { entries: { type: string; finding?: { name: string } }[] } } {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planContainment')!.activityTaskScheduledEventAttributes!;
  return JSON.parse(Buffer.from(scheduled.input!.payloads![0]!.data!).toString('utf8'));
}

/** Between the last runbook step and SCC's write-back (which goes out with the ready notice): what the case scheduled to plan and present. */
function planning(names: string[]): string[] {
  const told = names.findIndex((name) => name === 'writeBackToScc' || name === 'notify');
  if (!names.includes('writeBackToScc')) throw new Error(`no write-back scheduled yet: ${names.join(', ')}`);
  return names.slice(names.lastIndexOf('queryLogs') + 1, told);
}

/**
 * The history once SCC's write-back is scheduled. A case the case itself presents is awaiting a
 * decision in its state a workflow task before its write completes and the write-back follows.
 */
async function historyThroughWriteBack(workflowId: string): Promise<HistoryEvent[]> {
  for (let tries = 0; tries < 400; tries++) {
    const events = await history(workflowId);
    if (activityNames(events).includes('writeBackToScc')) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${workflowId} never scheduled its write-back`);
}

async function readyCase(pod: string, findingId: string) {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', pod, findingId));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const events = await historyThroughWriteBack(workflowId);
  const record = (await rig.store.getCase(caseId))!;
  return { caseId, workflowId, ready, record, events };
}

test('the plan’s activity presents the plan and records the finding that joined during the steps: no record activity of its own', async () => {
  const { workflowId, ready, record, events } = await readyCase(pods.writes, 'p1an5000000000000000000000000001');
  expect(planning(activityNames(events))).toEqual(['planContainment']);
  const input = planInput(events);
  expect(input.findings).toHaveLength(2);
  expect(input.present?.entries.filter((e) => e.type === 'finding').map((e) => e.finding?.name)).toEqual([expect.stringContaining(joining.get(pods.writes)!)]);
  expect(record.findings.map((f) => f.finding_name).sort()).toEqual(ready.findings.map((f) => f.name).sort());
  expect(record.case.status).toBe('awaiting-decision');
  expect(record.case.plan_hash).toBe(ready.plan?.hash);
  expect(record.case.ready_at).toBeTruthy();
  expect(record.timeline.filter((t) => t.kind === 'plan').map((t) => t.event_key)).toEqual(['plan']);
  expect(ready.status).toBe('awaiting-decision');
  expect((await rig.env.client.workflow.getHandle(workflowId).describe()).searchAttributes.SccCaseStatus).toEqual(['awaiting-decision']);
});

test('on a worker of an older build the case presents the plan itself, with the finding that joined', async () => {
  const { ready, record, events } = await readyCase(pods.olderBuild, 'p1an5000000000000000000000000002');
  expect(planning(activityNames(events))).toEqual(['planContainment', 'recordCase']);
  expect(record.findings).toHaveLength(2);
  expect(record.case.status).toBe('awaiting-decision');
  expect(record.case.plan_hash).toBe(ready.plan?.hash);
  expect(record.timeline.filter((t) => t.kind === 'plan')).toHaveLength(1);
});

test('a plan that cannot be made is a recorded gap, and the case presents the plan without actions with the finding that joined', async () => {
  const { ready, record, events } = await readyCase(pods.fails, 'p1an5000000000000000000000000003');
  expect(planning(activityNames(events))).toEqual(['planContainment', 'recordCase', 'planWithoutActions', 'recordCase']);
  expect(ready.gaps?.map((g) => g.step)).toContain('plan');
  expect(ready.plan?.actions.filter((a) => a.destructive)).toEqual([]);
  expect(record.findings).toHaveLength(2);
  expect(record.timeline.some((t) => t.kind === 'gap' && t.step === 'plan')).toBe(true);
  expect(record.case.status).toBe('awaiting-decision');
  expect(record.case.plan_hash).toBe(ready.plan?.hash);
});

test('a plan activity retried after it wrote leaves one plan and one joined finding on the record', async () => {
  const { ready, record, events } = await readyCase(pods.retried, 'p1an5000000000000000000000000004');
  expect(retriedOnce.has(pods.retried)).toBe(true);
  expect(planning(activityNames(events))).toEqual(['planContainment']);
  expect(events.find((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1)).toBeDefined();
  expect(record.findings).toHaveLength(2);
  expect(record.timeline.filter((t) => t.kind === 'finding')).toHaveLength(2);
  // The case, its record and the plan event people read name the same plan.
  expect(record.timeline.filter((t) => t.kind === 'plan').map((t) => [t.detail.hash, t.detail.createdAt])).toEqual([[ready.plan?.hash, ready.plan?.createdAt]]);
  expect(record.case.plan_hash).toBe(ready.plan?.hash);
});
