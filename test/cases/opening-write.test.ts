import type { CaseActivities } from '../../src/activities';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { historyEvents, scheduledActivityNames } from '../history-facts';

/**
 * A case opens with one activity: the record, the findings that came with the start, the
 * collection order and the decision keys it trusts. A worker of an older build, whose opening
 * write answers nothing, leaves the case to read the keys itself, and the case decides as ever.
 */
let rig: CaseRig;
const olderBuild = 'o1d';

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({
    // As a worker from before the fold: the write happens, the answer does not come back.
    activityOverrides: (real: CaseActivities) => ({
      async recordCase(input) {
        const answer = await real.recordCase(input);
        const opening = input.entries.find((e) => e.type === 'opened');
        return opening?.type === 'opened' && opening.finding.name.endsWith(olderBuild) ? undefined : answer;
      },
    }),
  });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const activities = async (workflowId: string, runId: string) => scheduledActivityNames(await historyEvents(rig.env.client, workflowId, runId));

test.each([
  ['this build', 'opens with one write', 'checkout-api-7d9f8b6c5-x2k8q', '0pen1ng000000000000000000000000a1', ['recordCase', 'captureEvidence']],
  ['an older build', 'reads the keys itself after its opening write', 'checkout-api-7d9f8b6c5-lq4zp', `0pen1ng00000000000000000000000${olderBuild}`, ['recordCase', 'decisionRules', 'recordCase', 'captureEvidence']],
])('on %s a case %s, trusts the decision keys, and takes a signed approval', async (_build, _what, pod, findingId, opening) => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', pod, findingId));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect((await activities(workflowId, runId)).slice(0, opening.length)).toEqual(opening);
  expect(ready.trustedKeys).toEqual([rig.authority.key.id]);
  const timeline = (await rig.store.getCase(caseId))!.timeline.map((t) => t.event_key);
  expect(timeline.slice(0, 4)).toEqual(expect.arrayContaining(['opened', `finding:${ready.findings[0]!.name}`, 'collection-order', 'decision-keys:1']));
  expect(timeline.filter((key) => key.startsWith('decision-keys:'))).toEqual(['decision-keys:1']);
  await rig.decide(rig.env.client.workflow.getHandle(workflowId, runId), { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
  expect(await rig.env.client.workflow.getHandle(workflowId, runId).result()).toMatchObject({ status: 'contained' });
});
