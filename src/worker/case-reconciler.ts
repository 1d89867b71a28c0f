import type { Client } from '@temporalio/client';
import { sendCaseNotice } from '../activities/notify';
import type { ActivityDeps } from '../activities';
import { executionStatus } from '../cases/workflow-execution';
import { caseIdFor } from '../workflows/shared';

export interface ReconcileDeps extends Pick<ActivityDeps, 'store' | 'notifier' | 'clients' | 'routing'> {
  client: Client;
}

export interface Reconciled {
  caseId: string;
  /** `closed`: its run had ended without saying so; `moved`: it goes on in a newer run (a reset); `stuck`: its run no longer makes progress. */
  change: 'closed' | 'moved' | 'stuck';
  detail: string;
}

/**
 * The record never lies, even when the workflow could not say what happened: a run terminated by
 * hand, timed out, cancelled or gone runs none of its own code. Every case the record holds open
 * is compared with Temporal's execution status; one whose run ended is closed as failed, with the
 * reason and the time, and its owner route is told. A case reset to a newer run follows it; a
 * running case whose workflow task keeps failing is recorded as stuck once, with the way out.
 */
export async function reconcileCases(deps: ReconcileDeps, options: { limit?: number } = {}): Promise<Reconciled[]> {
  const changes: Reconciled[] = [];
  for (const row of await deps.store.openCases(options.limit)) {
    const execution = await executionStatus(deps.client, row.workflow_id, row.run_id);
    if (execution.currentRunId && (await belongsToCase(deps.client, row.workflow_id, execution.currentRunId, row.id))) {
      await deps.store.moveCaseToRun(row.id, execution.currentRunId);
      await deps.store.addEvent(row.id, { key: `moved:${execution.currentRunId}`, at: new Date().toISOString(), kind: 'moved', detail: { fromRunId: row.run_id, toRunId: execution.currentRunId } });
      changes.push({ caseId: row.id, change: 'moved', detail: `now run ${execution.currentRunId}` });
      continue;
    }
    if (execution.status === 'RUNNING') {
      if (execution.stuck) {
        const record = await deps.store.getCase(row.id);
        if (!record?.timeline.some((t) => t.event_key === 'stuck')) {
          await deps.store.addEvent(row.id, { key: 'stuck', at: new Date().toISOString(), kind: 'gap', step: 'workflow', detail: { reason: `the case makes no progress: ${execution.stuck}`, wayOut: `scc-responder case repair ${row.id}` } });
          changes.push({ caseId: row.id, change: 'stuck', detail: execution.stuck });
        }
      }
      continue;
    }
    const reason = `its workflow run ${execution.status.toLowerCase().replace(/_/g, ' ')}${execution.reason ? `: ${execution.reason}` : ''}`;
    const at = execution.closedAt ?? new Date().toISOString();
    if (!(await deps.store.closeAsEndedOutside(row.id, { outcome: `workflow-${execution.status.toLowerCase().replace(/_/g, '-')}`, reason, at, temporalStatus: execution.status }))) continue;
    const record = await deps.store.getCase(row.id);
    await sendCaseNotice(deps, { caseId: row.id, event: 'failed', findings: record?.findings.map((f) => f.finding) ?? [], detail: `The case ended without finishing: ${reason}.` }).catch(() => undefined);
    changes.push({ caseId: row.id, change: 'closed', detail: reason });
  }
  return changes;
}

/** A newer run of the same workflow ID is the same case only if it descends from the same first run (a reset keeps it; a new case on the subject does not). */
async function belongsToCase(client: Client, workflowId: string, runId: string, caseId: string): Promise<boolean> {
  const description = await client.workflow.getHandle(workflowId, runId).describe();
  const first = description.raw.workflowExecutionInfo?.firstRunId;
  return Boolean(first) && caseIdFor(first!) === caseId;
}

/** Reconciles every `intervalMs` (never two passes at once) until stopped; each change is one JSON log line. */
export function startReconciler(deps: ReconcileDeps, intervalMs: number, log: (line: Record<string, unknown>) => void): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= reconcileCases(deps)
      .then((changes) => changes.forEach((change) => log({ level: 'info', message: `case ${change.caseId} ${change.change}: ${change.detail}`, caseId: change.caseId })))
      .catch((error: unknown) => log({ level: 'warn', message: `cases not reconciled: ${error instanceof Error ? error.message : String(error)}` }))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
