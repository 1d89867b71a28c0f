import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import Long from 'long';
import type { CaseStore } from '../cases/case-store';
import { lastGoodWorkflowTask } from './last-good-task';

export interface RepairDeps {
  client: Client;
  store: CaseStore;
  namespace: string;
  /** The workflow code workers run (a prebuilt bundle); bundled from source when absent. */
  workflowBundle?: { codePath: string } | { code: string };
}

export type RepairOutcome =
  | { repaired: false; reason: string }
  | { repaired: true; dryRun: boolean; fromRunId: string; toRunId?: string; resetEventId: number; error: string };

/**
 * The way out for a case whose history no longer replays (TMPRL1100: its workers fail every task
 * and it answers no query): reset its workflow to the last workflow task that still replays
 * against today's code. What came after is dropped and runs again from there; the findings and
 * decisions that came by signal after that point are delivered again (the reset reapplies
 * signals and updates), and the record follows the new run under the same case ID.
 */
export async function repairCase(deps: RepairDeps, caseId: string, options: { dryRun?: boolean; requestedBy?: string } = {}): Promise<RepairOutcome> {
  const row = await deps.store.caseById(caseId);
  if (!row) return { repaired: false, reason: `no case ${caseId}` };
  const handle = deps.client.workflow.getHandle(row.workflow_id, row.run_id);
  const history = await handle.fetchHistory();
  const verdict = await lastGoodWorkflowTask(history, deps.workflowBundle);
  if (verdict.replays) return { repaired: false, reason: `${caseId}: its history replays against today's workflow code; nothing to repair` };
  if (verdict.resetEventId === undefined) return { repaired: false, reason: `${caseId}: not even its first workflow task replays (${verdict.error}); terminate it and ingest its findings again` };
  if (options.dryRun) return { repaired: true, dryRun: true, fromRunId: row.run_id, resetEventId: verdict.resetEventId, error: verdict.error };
  const reason = `scc-responder case repair${options.requestedBy ? ` (operator, as given: ${options.requestedBy.slice(0, 80)})` : ''}: the history did not replay (${verdict.error.slice(0, 300)})`;
  const reset = await deps.client.workflowService.resetWorkflowExecution({
    namespace: deps.namespace,
    workflowExecution: { workflowId: row.workflow_id, runId: row.run_id },
    reason,
    workflowTaskFinishEventId: Long.fromNumber(verdict.resetEventId),
    requestId: randomUUID(),
  });
  const runId = reset.runId ?? '';
  await deps.store.moveCaseToRun(caseId, runId);
  await deps.store.addEvent(caseId, {
    key: `repaired:${runId}`,
    at: new Date().toISOString(),
    kind: 'repaired',
    detail: { fromRunId: row.run_id, toRunId: runId, resetEventId: verdict.resetEventId, error: verdict.error.slice(0, 2000), ...(options.requestedBy ? { operatorAsGiven: options.requestedBy.slice(0, 200) } : {}) },
  });
  return { repaired: true, dryRun: false, fromRunId: row.run_id, toRunId: runId, resetEventId: verdict.resetEventId, error: verdict.error };
}
