import { repairCase } from '../worker/repair-case';
import { CommandError } from './command-error';
import { print } from './output';
import type { CliContext } from './cli-context';
import type { CliIo } from './finding-check';

/**
 * `case repair CASE [--dry-run]`: the way out for a case whose history no longer replays
 * (TMPRL1100): reset to the last workflow task that does, and the case runs on from there.
 */
export async function repairCommand(context: CliContext, caseId: string, options: { dryRun?: boolean; operator?: string; format?: string }, io: CliIo): Promise<void> {
  if (!/^case-[0-9a-f]{12}$/.test(caseId)) throw new CommandError(`"${caseId}" is not a case ID (case-XXXXXXXXXXXX)`, 2);
  const { config } = context;
  const outcome = await repairCase(
    { client: await context.client(), store: await context.store(), namespace: config.temporal.namespace, ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}) },
    caseId,
    { ...(options.dryRun ? { dryRun: true } : {}), ...(options.operator ? { requestedBy: options.operator } : {}) },
  );
  if (!outcome.repaired) {
    if (/nothing to repair/.test(outcome.reason)) {
      print(io, options.format ?? 'text', { caseId, ...outcome }, () => [outcome.reason]);
      return;
    }
    throw new CommandError(outcome.reason);
  }
  const what = `the history does not replay (${outcome.error.split('\n')[0]!.slice(0, 240)})`;
  print(io, options.format ?? 'text', { caseId, ...outcome }, () => [
    `${caseId}: ${what}`,
    outcome.dryRun
      ? `  would reset run ${outcome.fromRunId} to event ${outcome.resetEventId} (the last workflow task that replays); what came after runs again from there, and signals after it are delivered again`
      : `  reset run ${outcome.fromRunId} to event ${outcome.resetEventId}; the case goes on in run ${outcome.toRunId}`,
  ]);
}
