import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { investigateCase } from '../../src/workflows/investigate-case';

/** Cases against a flaky cloud: transient errors are retried to completion, permanent ones are recorded gaps. */

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

test('30% of every API answering 429 or 503, with latency: each case still reaches a decision and is contained', async () => {
  rig.lab.faults.set([{ api: '*', latencyMs: 40, transientRate: 0.3 }]);
  try {
    const started = await Promise.all([rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke')), rig.ingest(rig.finding('Malicious Script Executed', 'cloud-run'))]);
    for (const { workflowId, runId } of started) {
      const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 240_000);
      const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
      await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
      const closed = await handle.result();
      expect(closed.outcome).toBe('contained');
      // Transient errors are retried to completion: nothing is left as a gap.
      expect(closed.steps.filter((s) => s.outcome === 'gap')).toEqual([]);
      expect(closed.gaps).toEqual([]);
    }
    // The storm was real: the lab answered that many requests with a 429 or a 503.
    expect(rig.lab.faults.served()[0]!.served).toBeGreaterThan(10);
  } finally {
    rig.lab.faults.set([]);
  }
}, 300_000);

test('permanent 403 on the logs is a gap naming the API, a 404 on VirusTotal an unknown verdict (never clean), and the case goes on to its decision', async () => {
  rig.lab.faults.set([
    { api: 'logging', latencyMs: 0, transientRate: 0, permanentStatus: 403 },
    { api: 'virustotal', latencyMs: 0, transientRate: 0, permanentStatus: 404 },
  ]);
  try {
    const { workflowId, runId } = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'cloud-run'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 120_000);
    const logs = ready.steps.find((s) => s.step === 'logs')!;
    expect(logs).toMatchObject({ outcome: 'gap', gap: { errorType: 'PermanentCloudError', reason: expect.stringMatching(/^logging /) } });
    expect(ready.plan!.actions.length).toBeGreaterThan(0);
    const record = (await rig.store.getCase(ready.caseId))!;
    expect(record.timeline.filter((t) => t.kind === 'step' && t.outcome === 'gap').map((t) => t.step)).toContain('logs');
    // VirusTotal answered 404 for every hash: each is an unknown verdict, recorded and said, never a gap nor "clean".
    expect(rig.lab.faults.served()[1]!.served).toBeGreaterThan(0);
    expect(ready.steps.find((s) => s.step === 'research')).toMatchObject({ outcome: 'ok', summary: expect.stringMatching(/0 flagged malicious, \d+ without a verdict \(unknown is not clean\)/) });
    const research = record.timeline.find((t) => t.event_key === 'evidence:research')!.detail as { virusTotal: { status: string }[] };
    expect(research.virusTotal.length).toBeGreaterThan(0);
    expect(research.virusTotal.every((v) => v.status === 'unknown')).toBe(true);
  } finally {
    rig.lab.faults.set([]);
  }
});
