import { ApplicationFailure } from '@temporalio/activity';
import type { CaseActivities } from '../../src/activities';
import { startCaseRig, type CaseRig } from '../case-rig';
import { historyEvents, type HistoryEvent } from '../history-facts';

/**
 * Since `steps-read-together` the running process and its files are secured first and alone;
 * then every other step starts at once, the node's logs after the node (they are queried by its
 * instance). Whatever order the steps end in, and whichever of them fails, the case lists them
 * in the collection order and records each.
 */
let rig: CaseRig;
/** Pods the overrides below single out. */
const slowNode = 'ledger-db-0';
const podRefused = 'nightly-reconcile-5w7tq';
const logsAsked: { pod: string; instanceId?: string }[] = [];

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({
    activityOverrides: (real: CaseActivities) => ({
      async checkClusterAndNode(input) {
        // The node answers last: the logs must still wait for it, and get its instance.
        if (input.subject.pod === slowNode) await new Promise((resolve) => setTimeout(resolve, 2_000));
        return real.checkClusterAndNode(input);
      },
      async checkPod(input) {
        if (input.subject.pod === podRefused) throw ApplicationFailure.nonRetryable('pods is forbidden (injected)', 'PermissionDenied');
        return real.checkPod(input);
      },
      async queryLogs(input) {
        if (input.subject.runtime === 'gke') logsAsked.push({ pod: input.subject.pod, ...(input.instanceId ? { instanceId: input.instanceId } : {}) });
        return real.queryLogs(input);
      },
    }),
  });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const history = (workflowId: string, runId: string): Promise<HistoryEvent[]> => historyEvents(rig.env.client, workflowId, runId);

/** Per activity type, the first time it was scheduled: the workflow task that did, and when it completed. */
function activityTimes(events: HistoryEvent[]) {
  const byScheduled = new Map<string, { name: string; task: number; scheduled: number; completed?: number }>();
  const times = new Map<string, { task: number; scheduled: number; completed?: number }>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name && !times.has(scheduled.activityType.name)) {
      const entry = { name: scheduled.activityType.name, task: Number(scheduled.workflowTaskCompletedEventId), scheduled: Number(event.eventId) };
      times.set(entry.name, entry);
      byScheduled.set(String(event.eventId), entry);
    }
    const completed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
    const entry = completed ? byScheduled.get(String(completed.scheduledEventId)) : undefined;
    if (entry && entry.completed === undefined) entry.completed = Number(event.eventId);
  }
  return times;
}

test('the running process is captured first and alone; the other reads start together, and the node’s logs follow the node', async () => {
  const { workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-x2k8q', 'st3p7000000000000000000000000001'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const times = activityTimes(await history(workflowId, runId));
  const capture = times.get('captureEvidence')!;
  const together = ['checkPod', 'checkClusterAndNode', 'reviewFinding', 'research'].map((name) => times.get(name)!);
  for (const read of together) expect(read.scheduled).toBeGreaterThan(capture.completed!);
  expect(new Set(together.map((read) => read.task)).size).toBe(1);
  expect(times.get('queryLogs')!.scheduled).toBeGreaterThan(times.get('checkClusterAndNode')!.completed!);
  expect(ready.steps.map((s) => s.step)).toEqual(['capture', 'pod', 'cluster-and-node', 'logs', 'review', 'research']);
  expect(ready.steps.every((s) => s.outcome === 'ok')).toBe(true);
});

test('a node that answers last still names its instance to the logs, and the steps are listed in the collection order', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', slowNode, 'st3p7000000000000000000000000002'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const times = activityTimes(await history(workflowId, runId));
  // Everything but the logs was done before the node answered.
  for (const name of ['checkPod', 'reviewFinding', 'research']) expect(times.get(name)!.completed!).toBeLessThan(times.get('checkClusterAndNode')!.completed!);
  expect(logsAsked.find((asked) => asked.pod === slowNode)?.instanceId).toMatch(/^\d+$/);
  expect(ready.steps.map((s) => s.step)).toEqual(['capture', 'pod', 'cluster-and-node', 'logs', 'review', 'research']);
  const recorded = (await rig.store.getCase(caseId))!.timeline.filter((t) => t.event_key.startsWith('step:')).map((t) => t.step);
  expect(new Set(recorded)).toEqual(new Set(ready.steps.map((s) => s.step)));
});

test('a step refused while the others run is a gap on the record; the others complete and the case reaches a decision', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', podRefused, 'st3p7000000000000000000000000003'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.steps.find((s) => s.step === 'pod')).toMatchObject({ outcome: 'gap', gap: { errorType: 'PermissionDenied' } });
  expect(ready.steps.filter((s) => s.step !== 'pod').every((s) => s.outcome === 'ok')).toBe(true);
  const timeline = (await rig.store.getCase(caseId))!.timeline;
  expect(timeline.find((t) => t.event_key === 'step:pod')).toMatchObject({ outcome: 'gap' });
  expect(timeline.filter((t) => t.event_key.startsWith('step:'))).toHaveLength(6);
});

test('a Cloud Run case reads its revision, logs, related findings and research all at once', async () => {
  const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'cloud-run'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const times = activityTimes(await history(workflowId, runId));
  expect(new Set(['checkCloudRun', 'queryLogs', 'reviewFinding', 'research'].map((name) => times.get(name)!.task)).size).toBe(1);
  expect(ready.steps.map((s) => s.step)).toEqual(['cloud-run', 'logs', 'review', 'research']);
});
