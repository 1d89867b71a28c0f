import { Worker } from '@temporalio/worker';
import { createCaseActivities, describeWorker } from '../../src/activities';
import { parseFindingObject } from '../../src/findings/parse';
import type { CaseIngested } from '../../src/intake/ingest';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { decideUpdate } from '../../src/workflows/shared';
import { approvers, startCaseRig } from '../case-rig';
import { prebuiltWorkflowBundle, testNamespace } from '../temporal/harness';

/**
 * A worker that caches no workflow replays each case's whole history on every task, as a worker
 * does after a restart, an eviction or a lost task. The whole scenario (every active finding,
 * related ones joining while their cases run, decisions by update) must still run to containment,
 * and each history must replay once more at the end.
 */
test('every case of the scenario runs to containment on a worker that replays on every task', async () => {
  const rig = await startCaseRig();
  const worker = await Worker.create({
    connection: rig.env.nativeConnection,
    namespace: testNamespace,
    taskQueue: rig.taskQueue,
    workflowBundle: prebuiltWorkflowBundle(),
    activities: { describeWorker, ...createCaseActivities(rig.deps) },
    maxCachedWorkflows: 0,
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  try {
    const active = rig.lab.scenario.findings.filter((f) => f.finding.state === 'ACTIVE').map((f) => parseFindingObject(f));
    const ingested: CaseIngested[] = [];
    for (const parsed of active) ingested.push(await rig.ingest(parsed));
    const cases = [...new Map(ingested.map((c) => [c.caseId, c])).values()];
    expect(cases.length).toBeGreaterThanOrEqual(3);
    expect(cases.length).toBeLessThan(ingested.length);
    const handles = cases.map((c) => rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId));
    const ready = await Promise.all(cases.map((c) => rig.waitFor(c.workflowId, c.runId, (s) => s.status === 'awaiting-decision' && s.findings.length === ingested.filter((i) => i.caseId === c.caseId).length, 150_000)));
    await Promise.all(handles.map((handle, i) => handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: approvers.lead, planHash: ready[i]!.plan!.hash }] })));
    const closed = await Promise.all(handles.map((handle) => handle.result()));
    expect(closed.map((c) => c.outcome)).toEqual(cases.map(() => 'contained'));

    for (const handle of handles) {
      await expect(Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await handle.fetchHistory(), handle.workflowId)).resolves.toBeUndefined();
    }
  } finally {
    worker.shutdown();
    await running;
    await rig.stop();
  }
}, 240_000);
