import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { caseIdFor, statusQuery, type CaseSnapshot } from '../../src/workflows/shared';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { lastGoodWorkflowTask } from '../../src/worker/last-good-task';
import { repairCase } from '../../src/worker/repair-case';
import { approvers } from '../case-rig';
import { prebuiltWorkflowBundle, testNamespace } from '../temporal/harness';
import { bundleBeforeMainFlowRecords, runCases, startStorm } from './storm';

/**
 * The way out for a case already stuck on a history that does not replay: reset it to the last
 * workflow task that still does. Held against the storefront case that `npm run dev` once left
 * behind, and against a live case the storm leaves stuck, which then runs on to containment.
 */

test('the stuck storefront case: the last workflow task that replays is found, just before the commands that do not', async () => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(__dirname, 'stuck/nondeterminism-storefront-two-findings.history.json'), 'utf8')));
  await expect(Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, history)).rejects.toThrow(/TMPRL1100/);
  const verdict = await lastGoodWorkflowTask(history, prebuiltWorkflowBundle());
  // Task 26-28 wrote the handler's upsert (29) before the main flow's activity (30): reset to its completion.
  expect(verdict).toMatchObject({ replays: false, resetEventId: 28, firstBadEventId: 29 });
  expect(verdict.replays === false && verdict.error).toMatch(/HistoryEvent\(id: 29, UpsertWorkflowSearchAttributes\)/);
});

test('a live case stuck on TMPRL1100 is reset to its last good task and runs on with today\'s code to containment, under the same case ID', async () => {
  const storm = await startStorm(await bundleBeforeMainFlowRecords(), 100, 0x51);
  const { rig } = storm;
  try {
    const { failures } = await runCases(storm, 80, 8, { decide: false, stopAtFirstFailure: true, keepStuck: true });
    expect(failures.length).toBeGreaterThan(0);
    const workflowId = storm.stuck[0]!;
    // Today's workers take over the task queue.
    await rig.stopWorker();
    await rig.startWorker();
    const stuckRun = (await rig.env.client.workflow.getHandle(workflowId).describe()).runId;
    const caseId = caseIdFor(stuckRun);
    const deps = { client: rig.env.client, store: rig.store, namespace: testNamespace, workflowBundle: prebuiltWorkflowBundle() };

    const dryRun = await repairCase(deps, caseId, { dryRun: true });
    expect(dryRun).toMatchObject({ repaired: true, dryRun: true, fromRunId: stuckRun });
    expect((await rig.store.caseById(caseId))!.run_id).toBe(stuckRun);

    const outcome = await repairCase(deps, caseId, { requestedBy: 'operator@acme.example' });
    expect(outcome).toMatchObject({ repaired: true, dryRun: false, fromRunId: stuckRun });
    const newRun = outcome.repaired ? outcome.toRunId! : '';
    expect(newRun).not.toBe(stuckRun);
    const row = (await rig.store.caseById(caseId))!;
    expect(row.run_id).toBe(newRun);
    const record = (await rig.store.getCase(caseId))!;
    expect(record.timeline.find((t) => t.kind === 'repaired')?.detail).toMatchObject({ fromRunId: stuckRun, toRunId: newRun, operatorAsGiven: 'operator@acme.example' });

    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, newRun);
    const ready: CaseSnapshot = await rig.waitForStatus(workflowId, newRun, 'awaiting-decision', 120_000);
    // A reset keeps the first run's ID, so the case keeps its own.
    expect(ready.caseId).toBe(caseId);
    expect(await handle.query(statusQuery)).toMatchObject({ caseId });
    await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    expect((await handle.result()).outcome).toBe('contained');
    await expect(Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await handle.fetchHistory(), workflowId)).resolves.toBeUndefined();
    expect((await rig.store.caseById(caseId))!.status).toBe('contained');

    const again = await repairCase(deps, caseId);
    expect(again).toMatchObject({ repaired: false, reason: expect.stringMatching(/replays against today's workflow code/) });
  } finally {
    await rig.stop();
  }
}, 600_000);
