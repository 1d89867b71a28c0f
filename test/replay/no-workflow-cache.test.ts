import { Worker } from '@temporalio/worker';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { approvers, startCaseRig } from '../case-rig';
import { prebuiltWorkflowBundle } from '../temporal/harness';

/**
 * A worker that caches no workflow replays each case's whole history on every task, as a worker
 * does after a restart, an eviction or a lost task. The whole scenario (every active finding,
 * related ones joining while their cases run, decisions by update) must still run to containment,
 * and each history must replay once more at the end.
 */
test('every case of the scenario runs to containment on a worker that replays on every task', async () => {
  const rig = await startCaseRig();
  await rig.startWorker({ maxCachedWorkflows: 0 });
  try {
    const { ingested, cases, ready } = await rig.ingestScenario(150_000);
    expect(cases.length).toBeGreaterThanOrEqual(3);
    expect(cases.length).toBeLessThan(ingested.length);
    const handles = cases.map((c) => rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId));
    await Promise.all(handles.map((handle, i) => rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready[i]!.plan!.hash })));
    const closed = await Promise.all(handles.map((handle) => handle.result()));
    expect(closed.map((c) => c.outcome)).toEqual(cases.map(() => 'contained'));

    for (const handle of handles) {
      await expect(Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await handle.fetchHistory(), handle.workflowId)).resolves.toBeUndefined();
    }
  } finally {
    await rig.stop();
  }
}, 240_000);
