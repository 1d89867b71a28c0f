import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { investigateCase } from '../../src/workflows/investigate-case';
import { searchAttributes } from '../../src/workflows/search-attributes';
import { findingSignal, subjectKeyOf, workflowIdFor } from '../../src/workflows/shared';
import { startCaseRig } from '../case-rig';
import { prebuiltWorkflowBundle } from '../temporal/harness';

/**
 * A finding that joins while the case's own record write outlasts a workflow task: the write
 * (a local activity) then spans two tasks, and the joining finding's record finishes in between.
 * A loaded machine does this by accident (it is how a server restart once exposed it); here the
 * activities are held so it happens every time. The history must replay as it ran.
 */

const EventType = temporal.api.enums.v1.EventType;
const stepActivities = ['reviewFinding', 'checkClusterAndNode', 'checkPod', 'queryLogs', 'captureEvidence', 'research'] as const;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const within = (promise: Promise<void>, ms: number) => Promise.race([promise, new Promise<void>((resolve) => setTimeout(resolve, ms))]);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

test('a finding that joins while a record write outlasts its workflow task: the history replays', async () => {
  const rig = await startCaseRig();
  const firstStepRunning = deferred();
  const joinRecordStarted = deferred();
  const joinRecordDone = deferred();
  const stepRecordStarted = deferred();
  let firstStep = true;
  let firstStepRecord = true;
  await rig.startWorker({
    activityOverrides: (real) => ({
      ...Object.fromEntries(
        stepActivities.map((name) => [
          name,
          async (input: never) => {
            if (firstStep) {
              firstStep = false;
              firstStepRunning.resolve();
              await within(joinRecordStarted.promise, 20_000);
            }
            return (real[name] as (input: never) => Promise<unknown>)(input);
          },
        ]),
      ),
      async recordFindingJoined(input) {
        if (input.finding.category.endsWith('Added Binary Executed')) {
          joinRecordStarted.resolve();
          // Waits for the step's record to be under way; a workflow that keeps the two apart never starts it.
          await within(stepRecordStarted.promise, 3000);
          try {
            return await real.recordFindingJoined(input);
          } finally {
            joinRecordDone.resolve();
          }
        }
        return real.recordFindingJoined(input);
      },
      async recordEvent(input) {
        if (input.key.startsWith('step:') && firstStepRecord) {
          firstStepRecord = false;
          stepRecordStarted.resolve();
          await within(joinRecordDone.promise, 20_000);
          // Past 80% of the 2 s workflow task timeout: the task heartbeats, and the join's completion arrives in the next one.
          await sleep(2500);
        }
        return real.recordEvent(input);
      },
    }),
  });
  try {
    const first = rig.finding('Launch Code Compiler Tool In Container', 'gke');
    await rig.store.recordIntake(first);
    const subjectKey = subjectKeyOf(first.finding.subject);
    const workflowId = workflowIdFor(subjectKey, rig.workflowIdPrefix);
    const handle = await rig.env.client.workflow.signalWithStart(investigateCase, {
      workflowId,
      taskQueue: rig.taskQueue,
      args: [{ subjectKey, policy: rig.policy }],
      signal: findingSignal,
      signalArgs: [first.finding],
      workflowTaskTimeout: '2 seconds',
      typedSearchAttributes: [{ key: searchAttributes.findingNames, value: [first.finding.name] }],
    });
    await within(firstStepRunning.promise, 60_000);
    const joined = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    expect(joined.workflowId).toBe(workflowId);
    await rig.waitFor(workflowId, handle.signaledRunId, (s) => s.status === 'awaiting-decision' && s.findings.length === 2, 90_000);

    const history = await rig.env.client.workflow.getHandle(workflowId, handle.signaledRunId).fetchHistory();
    await rig.env.client.workflow.getHandle(workflowId, handle.signaledRunId).terminate('replay test done');
    const events = history.events ?? [];
    const scheduled = (e: (typeof events)[number]) => events.find((s) => Number(s.eventId) === Number(e.activityTaskCompletedEventAttributes?.scheduledEventId))?.activityTaskScheduledEventAttributes;
    const joinCompleted = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && scheduled(e)?.input?.payloads?.some((p) => Buffer.from(p.data ?? []).toString('utf8').includes('Added Binary Executed')));
    const firstStepCompleted = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && (stepActivities as readonly string[]).includes(scheduled(e)?.activityType?.name ?? ''));
    const stepRecordMarker = events.findIndex((e, i) => i > firstStepCompleted && e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED);
    // The order under test: the join's record finished after the step, before the step's record was written.
    expect(firstStepCompleted).toBeGreaterThan(0);
    expect(joinCompleted).toBeGreaterThan(firstStepCompleted);
    expect(joinCompleted).toBeLessThan(stepRecordMarker);

    await expect(Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, history, workflowId)).resolves.toBeUndefined();
  } finally {
    await rig.stop();
  }
}, 180_000);
