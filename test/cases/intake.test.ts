import { startCaseRig, type CaseRig } from '../case-rig';
import type { investigateCase } from '../../src/workflows/investigate-case';

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
});

afterAll(async () => {
  await rig?.stop();
});

test('the same finding delivered twice, then ten times at once, is one case with one finding', async () => {
  const parsed = rig.finding('Malicious Script Executed', 'gke');
  const first = await rig.ingest(parsed);
  const second = await rig.ingest(parsed);
  expect(second.caseId).toBe(first.caseId);
  await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  const storm = await Promise.all(Array.from({ length: 10 }, () => rig.ingest(parsed)));
  expect(new Set(storm.map((r) => r.caseId))).toEqual(new Set([first.caseId]));
  expect(storm.map((r) => r.duplicate)).toEqual(Array(10).fill(true));
  const snapshot = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  expect(snapshot.findings.map((f) => f.name)).toEqual([parsed.finding.name]);
  expect((await rig.store.getCase(first.caseId))!.findings).toHaveLength(1);
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
  expect(rig.policy.autoContain).toBeNull();
});
