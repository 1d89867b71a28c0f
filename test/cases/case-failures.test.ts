import { WorkflowFailedError } from '@temporalio/client';
import { reconcileCases } from '../../src/worker/case-reconciler';
import { storeRefusesPlan } from '../fixtures/injected-bugs';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { cliOnRig } from '../cli-harness';
import { startRigConsole } from '../console-harness';
import type { ConsoleServer } from '../../src/server/console-server';
import { scenarioFinding, variantOf } from '../fixtures/finding-variants';

/**
 * The record never lies. A case whose workflow fails anyway (here the store refuses the plan's
 * write, as a bug would) records the failure and tells the owner route before the run ends; one
 * terminated by hand runs none of its own code, so the reconciler closes its record from
 * Temporal's side. Both end `failed` with the reason, and `status` says what Temporal says.
 */

let rig: CaseRig;
let harness: Awaited<ReturnType<typeof cliOnRig>>;
let server: ConsoleServer;
const password = 'lab password for tests';

/** The console's view of a case, as a script reads it (HTTP Basic as a lab user). */
async function caseDetail(caseId: string): Promise<{ case: { status: string }; temporal?: { status: string; reason?: string } }> {
  const response = await fetch(`${server.url}/api/cases/${caseId}`, { headers: { authorization: `Basic ${Buffer.from(`${approvers.lead}:${password}`).toString('base64')}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker({ activityOverrides: storeRefusesPlan(rig.store) });
  harness = await cliOnRig(rig);
  server = await startRigConsole(rig, [approvers.lead], password);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await harness?.stop();
  await rig?.stop();
});

test('a workflow that fails on a bug records failed with the reason and announces it before the run ends', async () => {
  const started = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Added Binary Executed', 'cloud-run'), { suffix: 'bug' }));
  const handle = rig.env.client.workflow.getHandle(started.workflowId, started.runId);
  const failure = await handle.result().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/failed: StoreRefused: violates check constraint/);
  const record = (await rig.store.getCase(started.caseId))!;
  expect(record.case).toMatchObject({ status: 'failed', outcome: 'workflow-failed' });
  expect(record.case.closed_at).not.toBeNull();
  expect(record.timeline.find((t) => t.event_key === 'workflow-failed')?.detail).toMatchObject({ reason: expect.stringMatching(/StoreRefused/) });
  expect(rig.notices.find((n) => n.caseId === started.caseId && n.event === 'failed')).toMatchObject({ subject: expect.stringMatching(/failed/) });
  // The reconciler finds nothing to say: the record already says it.
  expect((await reconcileCases({ ...rig.deps, client: rig.env.client })).filter((c) => c.caseId === started.caseId)).toEqual([]);
  expect((await harness.cli('status', started.caseId)).stdout).toMatch(new RegExp(`${started.caseId} failed \\(workflow-failed\\)[\\s\\S]*failed\\s+StoreRefused`));
});

test('a case terminated by hand: status says what Temporal says, the reconciler closes the record failed with the reason, and a notice goes out', async () => {
  const started = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Netcat Remote Code Execution In Container', 'gke'), { suffix: 'term' }));
  await rig.waitForStatus(started.workflowId, started.runId, 'awaiting-decision', 90_000);
  await rig.env.client.workflow.getHandle(started.workflowId, started.runId).terminate('operator: duplicate of another incident');

  const before = await harness.cli('status', started.caseId);
  expect(before.stdout).toMatch(/Temporal: TERMINATED at \S+ \(operator: duplicate of another incident\); the record still says awaiting-decision/);
  expect(await caseDetail(started.caseId)).toMatchObject({ case: { status: 'awaiting-decision' }, temporal: { status: 'TERMINATED', reason: 'operator: duplicate of another incident' } });

  const changes = await reconcileCases({ ...rig.deps, client: rig.env.client });
  expect(changes).toContainEqual({ caseId: started.caseId, change: 'closed', detail: 'its workflow run terminated: operator: duplicate of another incident' });
  const record = (await rig.store.getCase(started.caseId))!;
  expect(record.case).toMatchObject({ status: 'failed', outcome: 'workflow-terminated' });
  expect(record.timeline.find((t) => t.event_key === 'ended-outside')?.detail).toMatchObject({ temporalStatus: 'TERMINATED', reason: 'its workflow run terminated: operator: duplicate of another incident' });
  const notice = rig.notices.find((n) => n.caseId === started.caseId && n.event === 'failed');
  expect(notice?.text).toMatch(/ended without finishing: its workflow run terminated/);
  expect((await rig.store.verifyAudit(started.caseId)).intact).toBe(true);

  // Once closed, it is not closed again, nor announced twice.
  const noticesBefore = rig.notices.length;
  expect((await reconcileCases({ ...rig.deps, client: rig.env.client })).filter((c) => c.caseId === started.caseId)).toEqual([]);
  expect(rig.notices.length).toBe(noticesBefore);
  const after = (await harness.cli('status', started.caseId)).stdout;
  expect(after).toMatch(new RegExp(`^${started.caseId} failed \\(workflow-terminated\\)`));
  expect(after).not.toMatch(/the record still says|scc-responder approve/);
  expect(await caseDetail(started.caseId)).toMatchObject({ case: { status: 'failed' } });
  expect((await caseDetail(started.caseId)).temporal).toBeUndefined();
});

test('a healthy case is left alone by the reconciler, and repair says there is nothing to repair', async () => {
  const started = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Launch Code Compiler Tool In Container', 'cloud-run'), { suffix: 'ok' }));
  await rig.waitForStatus(started.workflowId, started.runId, 'awaiting-decision', 90_000);
  expect((await reconcileCases({ ...rig.deps, client: rig.env.client })).filter((c) => c.caseId === started.caseId)).toEqual([]);
  const repair = await harness.cli('case', 'repair', started.caseId, '--dry-run');
  expect(repair).toMatchObject({ code: 0, stdout: expect.stringMatching(/replays against today's workflow code; nothing to repair/) });
  expect((await harness.cli('reject', started.caseId, '--user', approvers.lead, '--reason', 'test done')).code).toBe(0);
});
