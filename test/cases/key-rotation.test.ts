import { WorkflowUpdateFailedError } from '@temporalio/client';
import { checkRecordedDecision } from '../../src/cases/decision-audit';
import type { ConsoleServer } from '../../src/server/console-server';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { refreshDecisionKeysSignal } from '../../src/workflows/shared';
import { approvers, newAuthority, startCaseRig, type CaseRig } from '../case-rig';
import { startRigConsole } from '../console-harness';

/**
 * The authority's key is rotated while cases wait: first both keys are trusted (the console signs
 * with the new one, a case that started trusting the old one reads its workers' keys again and
 * takes it), then the old key is removed and no longer decides anything.
 */

let rig: CaseRig;
let console: ConsoleServer | undefined;
const password = 'a password for the rotation test';

beforeAll(async () => {
  rig = await startCaseRig({ fourEyes: true });
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await console?.close();
  await rig?.stop();
}, 180_000);

/** A worker configuration change is a worker restart with the new keys. */
async function workersTrust(keys: typeof rig.deps.decisionRules.keys): Promise<void> {
  await rig.stopWorker();
  rig.deps.decisionRules = { ...rig.deps.decisionRules, keys };
  await rig.startWorker();
}

async function approveInConsole(url: string, email: string, caseId: string, planHash: string): Promise<Response> {
  return fetch(`${url}/api/cases/${caseId}/decision`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve', planHash }),
  });
}

test('rotation: old and new key both trusted, then the old one removed, on cases that wait across it', async () => {
  const old = rig.authority;
  const rotated = newAuthority();
  const first = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
  const second = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'cloud-run'));
  const firstReady = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  const secondReady = await rig.waitForStatus(second.workflowId, second.runId, 'awaiting-decision');
  expect(firstReady.trustedKeys).toEqual([old.key.id]);
  const handleOf = (c: typeof first) => rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId);
  await rig.decide(handleOf(first), { decision: 'approve', approver: approvers.secops, planHash: firstReady.plan!.hash });

  // Both keys; the console now signs with the new one. The waiting case learns it when the console asks it to.
  await workersTrust([old.key, rotated.key]);
  console = await startRigConsole(rig, [approvers.secops, approvers.lead], password, undefined, rotated);
  const approved = await approveInConsole(console.url, approvers.lead, first.caseId, firstReady.plan!.hash);
  expect(await approved.json()).toMatchObject({ caseId: first.caseId, approvalsNeeded: 0 });
  const contained = await handleOf(first).result();
  expect(contained.outcome).toBe('contained');
  expect(contained.decisions.map((d) => [d.approver, d.signed?.keyId])).toEqual([
    [approvers.secops, old.key.id],
    [approvers.lead, rotated.key.id],
  ]);
  expect(contained.trustedKeys).toEqual([old.key.id, rotated.key.id]);

  // The old key removed: once the waiting case reads its workers' keys again, the old key decides nothing.
  await workersTrust([rotated.key]);
  await handleOf(second).signal(refreshDecisionKeysSignal);
  await rig.waitFor(second.workflowId, second.runId, (s) => s.trustedKeys?.join() === rotated.key.id);
  const stale = await rig.decide(handleOf(second), { decision: 'approve', approver: approvers.secops, planHash: secondReady.plan!.hash }, old).catch((error: unknown) => error);
  expect(stale).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String(((stale as WorkflowUpdateFailedError).cause as Error).message)).toMatch(/which this case does not trust/);
  expect((await approveInConsole(console.url, approvers.secops, second.caseId, secondReady.plan!.hash)).status).toBe(200);
  expect((await approveInConsole(console.url, approvers.lead, second.caseId, secondReady.plan!.hash)).status).toBe(200);
  expect((await handleOf(second).result()).outcome).toBe('contained');

  // The record keeps verifying with the retired key listed; without it, the old signature is named.
  const { entries, signaturesRequired } = await rig.store.recordedDecisions(first.caseId);
  expect(entries.map((e) => checkRecordedDecision(first.caseId, e, [old.key, rotated.key], signaturesRequired).verdict)).toEqual(['verified', 'verified']);
  expect(checkRecordedDecision(first.caseId, entries[0]!, [rotated.key], signaturesRequired)).toMatchObject({ verdict: 'broken', reason: expect.stringMatching(/does not trust/) });
}, 240_000);
