import type { CaseActivities } from '../../src/activities';
import type { ConsoleServer } from '../../src/server/console-server';
import { notPendingYet } from '../../src/workflows/decision-rules';
import { statusQuery, type CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { callAs, signInCookie, startRigConsole } from '../console-harness';

/**
 * The plan records itself (status `awaiting-decision`, its hash) a workflow task before the case
 * waits on it. An approver who decides the moment the plan shows meets a case that still says it
 * is investigating; the console tries again for a few seconds, and only a case that stays there
 * longer is refused. The window is widened here: the planning activity answers seconds after its
 * record is written. Real Temporal, the lab, a real listener.
 */
let rig: CaseRig;
let server: ConsoleServer;
const password = 'lab password for tests';
/** How long after recording its plan each pod's planning activity answers. */
const answersAfterMs: Record<string, number> = { 'checkout-api-7d9f8b6c5-x2k8q': 2_500, 'checkout-api-7d9f8b6c5-lq4zp': 12_000 };

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({
    activityOverrides: (real: CaseActivities) => ({
      async planContainment(input) {
        const plan = await real.planContainment(input);
        const pod = input.findings[0]?.subject.runtime === 'gke' ? input.findings[0].subject.pod : undefined;
        await new Promise((resolve) => setTimeout(resolve, (pod && answersAfterMs[pod]) || 0));
        return plan;
      },
    }),
  });
  server = await startRigConsole(rig, [approvers.secops], password);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
});

/** The case once its record shows the plan; and what its workflow said at that moment. */
async function planShown(caseId: string, workflowId: string): Promise<{ planHash: string; workflowSaid: string }> {
  for (let tries = 0; tries < 400; tries++) {
    const row = await rig.store.caseById(caseId);
    if (row?.status === 'awaiting-decision' && row.plan_hash) {
      const snapshot = (await rig.env.client.workflow.getHandle(workflowId).query(statusQuery)) as CaseSnapshot;
      return { planHash: row.plan_hash, workflowSaid: snapshot.status };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${caseId} never showed its plan`);
}

test('a decision on a plan the record shows, sent before the case waits on it, is taken once the case does', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-x2k8q', 'da7e5000000000000000000000000001'));
  const { planHash, workflowSaid } = await planShown(caseId, workflowId);
  // The window the test is about: the record shows the plan, the case has not taken it up.
  expect(workflowSaid).toBe('investigating');
  const cookie = await signInCookie(server, approvers.secops, password);
  const decided = await callAs(server, `/api/cases/${caseId}/decision`, cookie, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash }) });
  expect(decided).toMatchObject({ status: 200, body: { caseId, approvalsNeeded: 0 } });
  expect(await rig.env.client.workflow.getHandle(workflowId, runId).result()).toMatchObject({ status: 'contained' });
}, 120_000);

test('a case that stays short of waiting past the tries is refused as it said, and a decision once it waits is taken', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-lq4zp', 'da7e5000000000000000000000000002'));
  const { planHash, workflowSaid } = await planShown(caseId, workflowId);
  expect(workflowSaid).toBe('investigating');
  const cookie = await signInCookie(server, approvers.secops, password);
  const decide = () => callAs(server, `/api/cases/${caseId}/decision`, cookie, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash }) });
  expect(await decide()).toMatchObject({ status: 409, body: { error: `refused: ${notPendingYet}` } });
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(await decide()).toMatchObject({ status: 200, body: { caseId } });
  expect(await rig.env.client.workflow.getHandle(workflowId, runId).result()).toMatchObject({ status: 'contained' });
}, 120_000);
