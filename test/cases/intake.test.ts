import { ingestFinding } from '../../src/intake/ingest';
import { terminateAllOn, uniqueTaskQueue } from '../temporal/harness';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { investigateCase } from '../../src/workflows/investigate-case';

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

test('the same finding delivered ten times at once, then again after containment, is one case, one finding and one containment', async () => {
  const parsed = rig.finding('Malicious Script Executed', 'gke');
  const writes = () => rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client');
  const writesBefore = writes().length;
  const storm = await Promise.all(Array.from({ length: 10 }, () => rig.ingest(parsed)));
  const [first] = storm;
  expect(new Set(storm.map((r) => r.caseId))).toEqual(new Set([first!.caseId]));
  const ready = await rig.waitForStatus(first!.workflowId, first!.runId, 'awaiting-decision');
  expect(ready.findings.map((f) => f.name)).toEqual([parsed.finding.name]);
  expect((await rig.ingest(parsed)).duplicate).toBe(true);

  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(first!.workflowId, first!.runId);
  await rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
  expect((await handle.result()).outcome).toBe('contained');
  const containment = writes().slice(writesBefore);
  expect(containment.length).toBeGreaterThan(0);

  const late = await Promise.all(Array.from({ length: 10 }, () => rig.ingest(parsed)));
  expect(late.map((r) => [r.caseId, r.duplicate])).toEqual(Array(10).fill([first!.caseId, true]));
  expect((await rig.store.getCase(first!.caseId))!.findings).toHaveLength(1);
  expect(writes().slice(writesBefore)).toEqual(containment);
});

test('a finding redelivered before the worker has joined it is signalled once: its case history does not grow with redeliveries', async () => {
  // No worker serves this queue, so nothing but intake's own record can know the finding arrived.
  const taskQueue = uniqueTaskQueue('redelivery');
  const deps = { client: rig.env.client, store: rig.store, taskQueue, policy: rig.policy, workflowIdPrefix: `scc-case-${taskQueue}` };
  const parsed = rig.finding('Added Binary Executed', 'cloud-run');
  try {
    const first = await ingestFinding(deps, parsed);
    if (first.outOfScope !== undefined) throw new Error(`out of scope: ${first.outOfScope}`);
    const again = await Promise.all(Array.from({ length: 5 }, () => ingestFinding(deps, parsed)));
    expect(first).toMatchObject({ duplicate: false });
    expect(again).toEqual(Array(5).fill({ ...first, duplicate: true }));
    const { events } = await rig.env.client.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
    expect(events!.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(1);
  } finally {
    await terminateAllOn(rig.env.client, taskQueue, 'redelivery test done');
  }
});

test('a related finding on the same container joins the running case', async () => {
  const compiler = rig.finding('Launch Code Compiler Tool In Container', 'gke');
  const added = rig.finding('Added Binary Executed', 'gke');
  const opened = await rig.ingest(compiler);
  const joined = await rig.ingest(added);
  expect(joined.caseId).toBe(opened.caseId);
  const snapshot = await rig.waitFor(opened.workflowId, opened.runId, (s) => s.findings.length === 2 && s.status === 'awaiting-decision');
  expect(snapshot.findings.map((f) => f.category).sort()).toEqual(['Added Binary Executed', 'Defense Evasion: Launch Code Compiler Tool In Container']);
  expect((await rig.store.getCase(opened.caseId))!.findings.map((f) => f.finding_name).sort()).toEqual([compiler.finding.name, added.finding.name].sort());
});

test('a policy may contain named categories at named severities without waiting; it is off by default', async () => {
  const netcat = rig.finding('Netcat Remote Code Execution In Container', 'cloud-run');
  const { workflowId, runId } = await rig.ingest(netcat, { autoContain: { playbooks: ['netcat-remote-code-execution'], severities: ['HIGH', 'CRITICAL'] } });
  const closed = await rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId).result();
  expect(closed.outcome).toBe('contained');
  expect(closed.decisions).toEqual([expect.objectContaining({ approver: 'policy:auto-contain', via: 'policy', decision: 'approve' })]);
});

test('without a policy that allows it, nothing is contained before a person decides', async () => {
  const netcat = rig.finding('Netcat Remote Code Execution In Container', 'gke');
  const { workflowId, runId } = await rig.ingest(netcat);
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.decisions).toEqual([]);
  expect(ready.pending).toMatchObject({ approvalsNeeded: 1 });
  expect(ready.actions).toEqual([]);
  await rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId).terminate('test done');
});
