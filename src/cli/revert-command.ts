import type { RevertOutcome } from '../workflows/revert-case';
import { CommandError } from './command-error';
import { print } from './output';
import type { CliContext } from './cli-context';
import { callConsole, consoleCaller, type CallerOptions } from './console-caller';
import type { CliIo } from './finding-check';

/** `revert CASE --reason TEXT [--dry-run]`: undoes a closed case's containment, durably, as the signed-in approver. */
export async function revertCommand(context: CliContext, caseId: string, options: CallerOptions & { reason: string; dryRun?: boolean; format?: string }, io: CliIo): Promise<void> {
  if (!/^case-[0-9a-f]{12}$/.test(caseId)) throw new CommandError(`"${caseId}" is not a case ID (case-XXXXXXXXXXXX)`, 2);
  // The console authenticates the caller and signs the revert; the workflow checks the signature.
  const caller = await consoleCaller(context.config, options);
  let outcome: RevertOutcome;
  try {
    outcome = await callConsole<RevertOutcome>(caller, 'POST', `/api/cases/${caseId}/revert`, { reason: options.reason, ...(options.dryRun ? { dryRun: true } : {}) });
  } catch (error) {
    if (error instanceof CommandError && error.exitCode === 1) throw new CommandError(`${caseId}: ${error.message}`);
    throw error;
  }
  print(io, options.format ?? 'text', { dryRun: options.dryRun === true, ...outcome }, () => {
    const lines = [`${caseId}: ${options.dryRun ? 'dry run, nothing changed' : 'reverted'} by ${outcome.requestedBy}`];
    for (const r of outcome.results) lines.push(`  ${r.action} ${r.status}: ${r.detail}`);
    for (const i of outcome.irreversible) lines.push(`  ${i.action} not reverted: ${i.reason}`);
    if (outcome.results.length === 0 && outcome.irreversible.length === 0) lines.push('  nothing was applied, so nothing to revert');
    return lines;
  });
}
