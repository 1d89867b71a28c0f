import { ApplicationFailure } from '@temporalio/activity';
import type { CaseActivities } from '../../src/activities';
import { startCaseRig, type CaseRig } from '../case-rig';
import { historyEvents, scheduledActivityNames } from '../history-facts';

/**
 * Each runbook step's activity writes the step's record when it succeeds, so a step costs one
 * activity, not two. A step that fails is recorded by the case, with its gap; a worker of an
 * older build (whose activities ignore the request) leaves every record to the case, as before.
 * Either way the record and the case's own view of its steps say the same.
 */
let rig: CaseRig;
/** Each test's case is about a pod of its own: the overrides below tell them apart by it. */
const olderBuild = 'nightly-reconcile-5w7tq';
const logsFail = 'ledger-db-0';

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({
    activityOverrides: (real: CaseActivities) => ({
      async checkPod(input) {
        // As a worker from before: the request to record the step is not understood.
        return input.subject.pod === olderBuild ? real.checkPod({ ...input, recordStep: undefined }) : real.checkPod(input);
      },
      async queryLogs(input) {
        if (input.subject.runtime === 'gke' && input.subject.pod === logsFail) throw ApplicationFailure.nonRetryable('logging refused (injected)', 'PermissionDenied');
        return real.queryLogs(input);
      },
    }),
  });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const activities = async (workflowId: string, runId: string) => scheduledActivityNames(await historyEvents(rig.env.client, workflowId, runId));

/** The step records on the timeline, as the case's own view holds them. */
async function recordedSteps(caseId: string) {
  const timeline = (await rig.store.getCase(caseId))!.timeline.filter((t) => t.event_key.startsWith('step:'));
  return timeline.map((t) => t.detail as Record<string, unknown>).sort((a, b) => String(a.step).localeCompare(String(b.step)));
}
const sorted = <T extends { step: string }>(steps: T[]) => [...steps].sort((a, b) => a.step.localeCompare(b.step));

/** Which steps' findings are on the timeline. */
async function recordedEvidence(caseId: string) {
  return (await rig.store.getCase(caseId))!.timeline.filter((t) => t.event_key.startsWith('evidence:')).map((t) => t.event_key).sort();
}

/** The activities' answers as the history keeps them. */
async function answers(workflowId: string, runId: string) {
  const events = (await rig.env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  return events.flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
}
const gkeEvidence = ['evidence:cluster-and-node', 'evidence:logs', 'evidence:pod', 'evidence:research', 'evidence:review'];

test('a case whose steps all succeed writes no record between them, and every step is on the record as the case saw it', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-x2k8q', 'st3p5000000000000000000000000001'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const names = await activities(workflowId, runId);
  const investigation = names.slice(1, names.indexOf('planContainment'));
  expect(investigation.length).toBeGreaterThanOrEqual(5);
  expect(investigation).not.toContain('recordCase');
  expect(ready.steps.every((s) => s.outcome === 'ok')).toBe(true);
  expect(await recordedSteps(caseId)).toEqual(sorted(ready.steps));
  // What each step found is on the timeline, written with its record; the history keeps only the answers.
  expect(await recordedEvidence(caseId)).toEqual(gkeEvidence);
  const kept = await answers(workflowId, runId);
  expect(kept.some((answer) => answer.includes('"recorded"'))).toBe(true);
  expect(kept.filter((answer) => answer.includes('stepEvidence'))).toEqual([]);
});

test('a step that fails is recorded by the case with its gap, and the other steps record themselves', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', logsFail, 'st3p5000000000000000000000000002'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const logs = ready.steps.find((s) => s.step === 'logs');
  expect(logs).toMatchObject({ outcome: 'gap', gap: { errorType: 'PermissionDenied' } });
  const names = await activities(workflowId, runId);
  const investigation = names.slice(1, names.indexOf('planContainment'));
  expect(investigation.filter((n) => n === 'recordCase')).toHaveLength(1);
  expect(investigation[investigation.indexOf('queryLogs') + 1]).toBe('recordCase');
  expect(await recordedSteps(caseId)).toEqual(sorted(ready.steps));
});

test('on a worker of an older build the case records the step its activity did not, and nothing is lost', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', olderBuild, 'st3p5000000000000000000000000003'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const names = await activities(workflowId, runId);
  // One record write in the investigation, for the step the older activity left unrecorded.
  const investigation = names.slice(1, names.indexOf('planContainment'));
  expect(investigation.filter((n) => n === 'recordCase')).toHaveLength(1);
  expect(investigation.indexOf('recordCase')).toBeGreaterThan(investigation.indexOf('checkPod'));
  expect(ready.steps.find((s) => s.step === 'pod')?.outcome).toBe('ok');
  expect(await recordedSteps(caseId)).toEqual(sorted(ready.steps));
  expect(await recordedEvidence(caseId)).toEqual(gkeEvidence);
});
