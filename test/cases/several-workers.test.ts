import type { ChildProcess } from 'node:child_process';
import type { WorkflowService } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { stormScenario } from '../../src/bench/storm-scenario';
import { parseFindingObject } from '../../src/findings/parse';
import { loadScenario } from '../../src/lab/scenario';
import { startCaseRig } from '../case-rig';
import { freshWorkerDatabase } from '../worker-database';
import { killWorker, startWorkerProcess } from '../worker-process';

/**
 * Users who outgrow one worker add workers on the same Temporal server and case store: nothing
 * may rely on being the only process. Three worker processes take one storm together; the
 * VirusTotal key's quota (enforced by the lab as VirusTotal does) holds for all three, and each
 * distinct hash is looked up once.
 */

const perMinute = 2;

test('three worker processes on one server: every case ready, each hash looked up once, the quota never exceeded', async () => {
  // Three binaries against a quota of two a minute: the third lookup must wait for the minute, whichever worker asks.
  const storm = stormScenario(loadScenario(), { findings: 24, pods: 12, binaries: 3, runTag: 'workers' });
  const db = await freshWorkerDatabase();
  const rig = await startCaseRig({}, { store: db.store, lab: { scenario: storm.scenario, virusTotalPerMinute: perMinute } });
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      workers.push(startWorkerProcess({ address: rig.env.address, taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix, databaseUrl: db.url, lab: rig.lab, policy: rig.policy, trust: [rig.authority.key], config: { virusTotalPerMinute: perMinute } }));
    }
    await pollersOn(rig.env.client.workflowService, rig.taskQueue, 3);

    const ingested = [];
    for (const finding of storm.findings) ingested.push(await rig.ingest(parseFindingObject(finding)));
    const cases = [...new Map(ingested.map((c) => [c.caseId, c])).values()];
    expect(cases).toHaveLength(storm.pods);
    const ready = await Promise.all(cases.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision', 240_000)));
    expect(ready.map((s) => s.steps.find((step) => step.step === 'research')?.outcome)).toEqual(cases.map(() => 'ok'));

    const quota = rig.lab.virusTotalQuota;
    expect(quota.requests).toBe(storm.distinctHashes);
    expect(quota.peakPerMinute()).toBeLessThanOrEqual(perMinute);
    // Every verdict is VirusTotal's, none a gap: a flagged hash reaches each plan it concerns.
    for (const snapshot of ready) expect(snapshot.steps.find((s) => s.step === 'research')!.summary).toMatch(/VirusTotal: 1 hash\(es\)/);

    // The work was shared: more than one process ran the cases' activities.
    const identities = new Set<string>();
    for (const c of cases) {
      const history = await rig.env.client.workflow.getHandle(c.workflowId, c.runId).fetchHistory();
      for (const event of history.events ?? []) if (event.activityTaskStartedEventAttributes?.identity) identities.add(event.activityTaskStartedEventAttributes.identity);
    }
    expect(identities.size).toBeGreaterThan(1);
  } finally {
    for (const worker of workers) await killWorker(worker);
    await rig.stop();
    await db.close();
  }
}, 360_000);

/** Waits until `count` workers poll the task queue: a storm sent before they are all up would land on the first. */
async function pollersOn(service: WorkflowService, taskQueue: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { pollers } = await service.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY });
    if (new Set((pollers ?? []).map((p) => p.identity)).size >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`fewer than ${count} workers polled ${taskQueue} within ${timeoutMs} ms`);
}
