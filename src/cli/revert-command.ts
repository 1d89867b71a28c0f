import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { revertCase } from '../workflows/revert-case';
import { isApprover } from '../workflows/shared';
import { CommandError } from './case-commands';
import type { CliContext } from './cli-context';
import type { CliIo } from './finding-check';
import { causesOf } from '../util/cause-chain';

/** `revert CASE --as EMAIL --reason TEXT [--dry-run]`: undoes a closed case's containment, durably. */
export async function revertCommand(context: CliContext, caseId: string, options: { as: string; reason: string; dryRun?: boolean }, io: CliIo): Promise<void> {
  if (!/^case-[0-9a-f]{12}$/.test(caseId)) throw new CommandError(`"${caseId}" is not a case ID (case-XXXXXXXXXXXX)`, 2);
  const { config } = context;
  // Checked here for a fast answer, and again in the workflow, which is the authority.
  if (!isApprover(config.policy, options.as)) throw new CommandError(`${caseId}: refused: ${options.as} is not authorized to revert`);
  const client = await context.client();
  let outcome;
  try {
    outcome = await client.workflow.execute(revertCase, {
      workflowId: `${config.temporal.workflowIdPrefix}/revert/${caseId}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ caseId, requestedBy: options.as, reason: options.reason, approvers: config.policy.approvers, dryRun: options.dryRun === true }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new CommandError(`${caseId}: a revert of this case is already running`);
    if (error instanceof WorkflowFailedError) throw new CommandError(`${caseId}: refused: ${rootMessage(error)}`);
    throw error;
  }
  const lines = [`${caseId}: ${options.dryRun ? 'dry run, nothing changed' : 'reverted'} by ${outcome.requestedBy}`];
  for (const r of outcome.results) lines.push(`  ${r.action} ${r.status}: ${r.detail}`);
  for (const i of outcome.irreversible) lines.push(`  ${i.action} not reverted: ${i.reason}`);
  if (outcome.results.length === 0 && outcome.irreversible.length === 0) lines.push('  nothing was applied, so nothing to revert');
  io.stdout(`${lines.join('\n')}\n`);
}

/** The workflow's own words: the innermost cause (an activity's refusal arrives wrapped twice). */
function rootMessage(error: Error): string {
  return causesOf(error).filter((cause): cause is Error => cause instanceof Error).at(-1)!.message;
}
