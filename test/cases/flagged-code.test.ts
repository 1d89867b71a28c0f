import type { investigateCase } from '../../src/workflows/investigate-case';
import type { CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';

/**
 * A binary is only new until the research says what it is: when VirusTotal's engines flag it,
 * the plan also takes back the identity it ran with, and says why; when they do not, nothing is
 * added; and a policy can say it adds something else, or nothing.
 */

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
}, 180_000);

/** The plan a finding gets; the case is then rejected, so the next finding on the same subject opens its own. */
async function planFor(category: string, runtime: 'gke' | 'cloud-run'): Promise<NonNullable<CaseSnapshot['plan']>> {
  const { workflowId, runId } = await rig.ingest(rig.finding(category, runtime));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  await rig.decide(handle, { decision: 'reject', approver: approvers.secops, reason: 'read the plan only', planHash: ready.plan!.hash });
  await handle.result();
  return ready.plan!;
}

test('an added binary VirusTotal flags on GKE: the plan cuts the Workload Identity binding, says which verdict, and shows who else holds the identity', async () => {
  const plan = await planFor('Added Binary Executed', 'gke');
  expect(plan.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod', 'revoke-workload-identity']);
  expect(plan.actions[2]!.target).toMatchObject({
    kind: 'service-account-binding',
    serviceAccount: 'checkout-api@acme-payments-prod.iam.gserviceaccount.com',
    member: 'serviceAccount:acme-payments-prod.svc.id.goog[checkout/checkout-api]',
  });
  expect(plan.notes).toContain(
    'the research flagged what ran (VirusTotal: 41 engine(s) flag sha256 e60ea92d751901dbd5426b6a16aa0588eed6f77a7dc4cd05bbc86db39a9ff619): the response adds revoke-workload-identity',
  );
  expect(plan.blastRadius!.notes).toEqual(expect.arrayContaining([expect.stringContaining('also lets in roles/iam.serviceAccountTokenCreator user:release-bot@acme.example')]));
});

test('an added binary VirusTotal flags on Cloud Run: the revision’s service account is disabled after the traffic moved', async () => {
  const plan = await planFor('Added Binary Executed', 'cloud-run');
  expect(plan.actions.map((a) => a.action)).toEqual(['notify-owner', 'shift-traffic-to-previous-revision', 'disable-service-account']);
  expect(plan.notes.find((n) => n.startsWith('the research flagged'))).toContain('18 engine(s) flag sha256 6d909e78a5358577b1b10145b77520f1a567b15a942a741e6e0395d499cb0f71');
});

test('a compiler VirusTotal does not know adds nothing: unknown is not flagged', async () => {
  const plan = await planFor('Launch Code Compiler Tool In Container', 'cloud-run');
  expect(plan.actions.map((a) => a.action)).toEqual(['notify-owner', 'shift-traffic-to-previous-revision']);
  expect(plan.notes.some((n) => n.startsWith('the research flagged'))).toBe(false);
});

test('a policy whose whenFlagged is empty keeps the identity: the plan is the response alone', async () => {
  const own = await startCaseRig({ responses: { 'added-binary-executed': { whenFlagged: { gke: [] } } } });
  await own.startWorker();
  try {
    const { workflowId, runId } = await own.ingest(own.finding('Added Binary Executed', 'gke'));
    const ready = await own.waitForStatus(workflowId, runId, 'awaiting-decision');
    expect(ready.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod']);
    expect(ready.plan!.notes.some((n) => n.startsWith('the research flagged'))).toBe(false);
  } finally {
    await own.stop();
  }
});
