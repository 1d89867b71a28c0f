import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defaultStackOptions, startStack } from '../stack/dev-stack';
import type { investigateCase } from '../workflows/investigate-case';
import { statusQuery, type CaseSnapshot } from '../workflows/shared';
import type { CliIo } from './finding-check';

export interface UpOptions {
  dataDir: string;
  temporalPort: string;
  labPort: string;
  databasePort: string;
  consolePort: string;
}

/** `scc-responder up`: brings the stack up, ingests the samples, says what to do next, runs until stopped. */
export async function upCommand(options: UpOptions, io: CliIo, untilStopped: () => Promise<void>): Promise<number> {
  const ports = [options.temporalPort, options.labPort, options.databasePort, options.consolePort].map(Number);
  if (ports.some((port) => !Number.isInteger(port) || port <= 0 || port > 65535)) {
    io.stderr('error: ports must be numbers from 1 to 65535\n');
    return 2;
  }
  const [temporalPort, labPort, databasePort, consolePort] = ports as [number, number, number, number];
  // The stack's own lines are what matter here; the worker speaks up only for warnings.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let stack;
  try {
    stack = await startStack(
      { ...defaultStackOptions, dataDir: options.dataDir, temporalPort, temporalUiPort: temporalPort + 1000, labPort, databasePort, consolePort },
      (line) => io.stdout(`· ${line}\n`),
    );
  } catch (error) {
    io.stderr(`error: the stack did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const snapshots = await settle(stack.config.temporal.address, stack.ingested.map((i) => i.result));
  const lines = ['', 'scc-responder is up.', `  console      ${stack.consoleUrl} (sign in as ${stack.config.policy.approvers[0]}, passwords in ${stack.consoleUsersFile})`, `  Temporal UI  ${stack.config.temporal.uiUrl}`, '  cases:'];
  for (const { file, result } of stack.ingested) {
    const snapshot = snapshots.get(result.caseId);
    lines.push(`    ${result.caseId}  ${(snapshot?.status ?? 'investigating').padEnd(17)} ${file}${result.duplicate ? ' (known)' : ''}`);
  }
  const waiting = [...snapshots.values()].find((s) => s.pending);
  lines.push('', '  next, in another terminal:', '    npm run cli -- cases list');
  if (waiting) {
    lines.push(
      `    open ${stack.consoleUrl}/cases/${waiting.caseId} and approve, or:`,
      `    npm run cli -- status ${waiting.caseId}`,
      `    npm run cli -- approve ${waiting.caseId} --user ${stack.config.policy.approvers[0]} --reason "confirmed malicious"`,
      `    npm run cli -- case show ${waiting.caseId} --format md`,
    );
  }
  lines.push('  Ctrl-C stops the stack; `npm run dev` again picks up where it left off.', '');
  io.stdout(lines.join('\n'));
  await untilStopped();
  io.stdout('stopping…\n');
  await stack.stop();
  return 0;
}

/** Waits (bounded) for new cases to finish investigating, so the summary shows what awaits a decision. */
async function settle(address: string, results: { caseId: string; workflowId: string; runId: string }[]): Promise<Map<string, CaseSnapshot>> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const snapshots = new Map<string, CaseSnapshot>();
  const deadline = Date.now() + 60_000;
  try {
    for (const result of results) {
      const handle = client.workflow.getHandle<typeof investigateCase>(result.workflowId, result.runId);
      while (Date.now() < deadline) {
        const snapshot = await handle.query(statusQuery).catch(() => undefined);
        if (snapshot) snapshots.set(result.caseId, snapshot);
        if (snapshot && snapshot.status !== 'investigating') break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await connection.close();
  }
  return snapshots;
}
