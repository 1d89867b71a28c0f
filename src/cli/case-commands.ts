import { readFile } from 'node:fs/promises';
import type { CaseRow } from '../cases/case-store';
import { caseToJson, caseToMarkdown } from '../cases/export';
import { FindingError } from '../findings/errors';
import { parseFinding } from '../findings/parse';
import { ingestFinding } from '../intake/ingest';
import type { investigateCase } from '../workflows/investigate-case';
import { statusQuery, type CaseSnapshot, type DecisionKind } from '../workflows/shared';
import { differsFromRecord, executionStatus } from '../cases/workflow-execution';
import { caseGaps } from '../cases/gaps';
import { gapLine } from '../workflows/gaps';
import { checkRecordedDecision } from '../cases/decision-audit';
import { configuredKeys } from '../config/decision-keys';
import type { CliContext } from './cli-context';
import { CommandError } from './command-error';
import { print, type Format } from './output';
import { callConsole, consoleCaller, type CallerOptions } from './console-caller';
import type { CliIo } from './finding-check';

/** The case commands. Each prints what it did, or one line saying what went wrong. */

async function findCase(context: CliContext, caseId: string): Promise<CaseRow> {
  if (!/^case-[0-9a-f]{12}$/.test(caseId)) throw new CommandError(`"${caseId}" is not a case ID (case-XXXXXXXXXXXX)`, 2);
  const store = await context.store();
  const found = await store.caseById(caseId);
  if (!found) throw new CommandError(`no case ${caseId}`);
  return found;
}

async function snapshotOf(context: CliContext, row: CaseRow): Promise<CaseSnapshot> {
  return (await context.client()).workflow.getHandle<typeof investigateCase>(row.workflow_id, row.run_id).query(statusQuery);
}

/** One finding to ingest and where it came from, for the error that names it. */
interface Delivery {
  origin: string;
  bytes: Buffer;
}

async function deliveries(inputs: string[], lines: boolean, io: CliIo): Promise<Delivery[]> {
  const found: Delivery[] = [];
  for (const input of inputs) {
    const origin = input === '-' ? 'stdin' : input;
    const bytes = input === '-' ? await io.readStdin() : await readFile(input).catch((error: { code?: string }) => {
      throw new CommandError(`cannot read ${input} (${error.code ?? 'error'})`, 2);
    });
    if (!lines) {
      found.push({ origin, bytes });
      continue;
    }
    // JSON lines: one finding per line (an export, a backfill); blank lines are skipped.
    let start = 0;
    for (let line = 1; start <= bytes.length; line++) {
      const end = bytes.indexOf(0x0a, start);
      const slice = bytes.subarray(start, end === -1 ? bytes.length : end);
      if (slice.toString('latin1').trim() !== '') found.push({ origin: `${origin}:${line}`, bytes: slice });
      if (end === -1) break;
      start = end + 1;
    }
  }
  return found;
}

/**
 * Starts or joins the case for each finding. A malformed finding is reported on its own line
 * and starts nothing; the valid ones around it are still ingested, and the exit code says 2.
 */
export async function ingestCommand(context: CliContext, inputs: string[], options: { lines?: boolean; format?: string }, io: CliIo): Promise<void> {
  // JSON is one object per line, as findings come: an input of many lines answers as it goes.
  const json = options.format === 'json';
  let rejected = 0;
  const all = await deliveries(inputs, options.lines ?? false, io);
  for (const { origin, bytes } of all) {
    let parsed;
    try {
      parsed = parseFinding(bytes);
    } catch (error) {
      if (!(error instanceof FindingError)) throw error;
      rejected++;
      if (json) io.stdout(`${JSON.stringify({ origin, refused: error.message })}\n`);
      if (all.length === 1) throw new CommandError(`${origin}: ${error.message}`, 2);
      io.stderr(`error: ${origin}: ${error.message}\n`);
      continue;
    }
    const result = await ingestFinding(await context.ingestDeps(), parsed);
    if (result.outOfScope !== undefined) {
      io.stdout(json ? `${JSON.stringify({ origin, finding: parsed.finding.name, outOfScope: result.outOfScope })}\n` : `${parsed.finding.name}: out of scope, no case started (${result.outOfScope}); the finding is kept\n`);
      continue;
    }
    io.stdout(
      json
        ? `${JSON.stringify({ origin, finding: parsed.finding.name, caseId: result.caseId, workflowId: result.workflowId, duplicate: result.duplicate })}\n`
        : `${result.caseId} ${result.workflowId}${result.duplicate ? ' (already part of this case)' : ''}\n`,
    );
  }
  if (rejected > 0) throw new CommandError(`${rejected} of ${all.length} findings were refused; nothing was started for them`, 2);
}

export async function statusCommand(context: CliContext, caseId: string, io: CliIo, format: Format = 'text'): Promise<void> {
  const row = await findCase(context, caseId);
  const client = await context.client();
  const execution = await executionStatus(client, row.workflow_id, row.run_id);
  // Temporal's word when it differs from the record: a run that ended without saying so, or one that is stuck.
  const temporalLine = execution.stuck
    ? `  Temporal: RUNNING but stuck: ${execution.stuck} (the way out: scc-responder case repair ${caseId})`
    : differsFromRecord(execution, row.status)
      ? `  Temporal: ${execution.status}${execution.closedAt ? ` at ${execution.closedAt}` : ''}${execution.reason ? ` (${execution.reason})` : ''}; the record still says ${row.status}`
      : undefined;
  const s = await snapshotOf(context, row).catch(() => undefined);
  if (!s) {
    const record = (await (await context.store()).getCase(caseId))!;
    if (format === 'json') {
      print(io, format, { caseId, status: row.status, outcome: row.outcome ?? null, subjectKey: row.subject_key, temporal: execution, live: null, gaps: caseGaps(record.timeline) }, () => []);
      return;
    }
    const lines = [`${caseId} ${row.status}${row.outcome ? ` (${row.outcome})` : ''} — ${row.subject_key} (from the record: the workflow does not answer)`];
    if (temporalLine) lines.push(temporalLine);
    for (const gap of caseGaps(record.timeline)) lines.push(`  GAP ${gap.step.padEnd(13)} ${gap.reason}`);
    io.stdout(`${lines.join('\n')}\n`);
    return;
  }
  // A run that ended answers with what it last knew: the record speaks for the case then.
  const running = execution.status === 'RUNNING';
  const [status, outcome] = running ? [s.status, s.outcome] : [row.status, row.outcome ?? s.outcome];
  if (format === 'json') {
    print(io, format, { caseId, status, outcome: outcome ?? null, subjectKey: s.subjectKey, temporal: execution, live: s }, () => []);
    return;
  }
  const lines = [`${s.caseId} ${status}${outcome ? ` (${outcome})` : ''} — ${s.subjectKey}`];
  if (temporalLine) lines.push(temporalLine);
  if (s.failure) lines.push(`  failed    ${s.failure.reason} (${s.failure.at})`);
  for (const f of s.findings) lines.push(`  finding   ${f.category} [${f.severity}] ${f.eventTime}`);
  for (const step of s.steps) lines.push(`  ${step.step.padEnd(17)} ${step.outcome === 'gap' ? 'GAP ' : ''}${step.gap ? gapLine(step.gap) : step.summary}`);
  for (const gap of s.gaps ?? []) lines.push(`  ${gap.step.padEnd(17)} GAP ${gapLine(gap)}`);
  if (s.plan) {
    lines.push(`  plan ${s.plan.hash}${s.plan.dryRun ? ' (dry run)' : ''}`);
    for (const a of s.plan.actions) lines.push(`    - ${a.action}: ${a.effect}`);
    for (const n of s.plan.notes) lines.push(`    (note) ${n}`);
    for (const n of s.plan.blastRadius?.notes ?? []) lines.push(`    blast radius: ${n}`);
    for (const m of s.plan.manualSteps ?? []) lines.push(`    by hand: ${m}`);
  }
  for (const d of s.decisions) lines.push(`  decision  ${d.decision} by ${d.approver} via ${d.via}${d.reason ? `: ${d.reason}` : ''}`);
  for (const r of s.refused) lines.push(`  refused   ${r.approver}: ${r.reason}`);
  for (const a of s.actions) lines.push(`  action    ${a.action} ${a.status}: ${a.detail}`);
  if (!running) {
    // Nothing to decide on a run that ended.
  } else if (s.pending && s.plan?.actions.some((a) => a.destructive)) {
    lines.push(`  waiting for ${s.pending.approvalsNeeded} approval(s):`, `    scc-responder approve ${s.caseId}`, `    scc-responder reject ${s.caseId} --reason "…"`);
  } else if (s.pending) {
    lines.push(
      `  waiting for a decision (nothing to contain automatically${s.status === 'watching' ? '; kept under watch' : ''}):`,
      `    scc-responder close ${s.caseId} --reason "…"`,
      ...(s.status === 'watching' ? [] : [`    scc-responder watch ${s.caseId}   (keep the case open until a finding joins)`]),
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
}

const decided: Record<DecisionKind, string> = {
  approve: 'approved: containment starts now',
  reject: 'rejected: nothing will be changed',
  close: 'closed: nothing to contain',
  watch: 'kept open: a finding that joins makes a new plan',
};

export async function decideCommand(context: CliContext, caseId: string, decision: DecisionKind, options: CallerOptions & { reason?: string; falsePositive?: boolean; format?: string }, io: CliIo): Promise<void> {
  if (!/^case-[0-9a-f]{12}$/.test(caseId)) throw new CommandError(`"${caseId}" is not a case ID (case-XXXXXXXXXXXX)`, 2);
  // Through the console, which authenticates the caller and signs the decision for the workflow to check.
  const caller = await consoleCaller(context.config, options);
  const detail = await callConsole<{ live: { status: string; pending: { planHash: string } | null } | null; case: { status: string } }>(caller, 'GET', `/api/cases/${caseId}`);
  const pending = detail.live?.pending;
  if (!pending) throw new CommandError(`${caseId} is not waiting for a decision (status: ${detail.live?.status ?? detail.case.status})`);
  let result: { approvalsNeeded: number };
  try {
    result = await callConsole(caller, 'POST', `/api/cases/${caseId}/decision`, { decision, planHash: pending.planHash, ...(options.reason ? { reason: options.reason } : {}), ...(options.falsePositive ? { falsePositive: true } : {}) });
  } catch (error) {
    if (error instanceof CommandError && error.exitCode === 1) throw new CommandError(`${caseId}: ${error.message}`);
    throw error;
  }
  print(io, options.format ?? 'text', { caseId, decision, planHash: pending.planHash, approvalsNeeded: result.approvalsNeeded }, () => [
    result.approvalsNeeded > 0 ? `${caseId}: ${decision} recorded; ${result.approvalsNeeded} more approval(s) needed` : `${caseId}: ${decided[decision]} (plan ${pending.planHash.slice(0, 12)})`,
  ]);
}

export async function listCommand(context: CliContext, options: { status?: string; format: 'text' | 'json' }, io: CliIo): Promise<void> {
  const rows = await (await context.store()).listCases(options.status ? { status: options.status } : {});
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(rows.map(({ plan: _plan, decision: _decision, ...rest }) => rest), null, 2)}\n`);
    return;
  }
  if (rows.length === 0) io.stdout('no cases\n');
  for (const row of rows) {
    io.stdout(`${row.id}  ${row.status.padEnd(17)} ${row.severity.padEnd(8)} ${row.category}  ${row.cluster ?? row.service ?? ''}  ${row.opened_at}\n`);
  }
}

export async function showCommand(context: CliContext, caseId: string, format: 'json' | 'md', io: CliIo): Promise<void> {
  await findCase(context, caseId);
  const store = await context.store();
  const record = (await store.getCase(caseId))!;
  if (format === 'md') {
    io.stdout(caseToMarkdown(record));
    return;
  }
  const raw: Record<string, string> = {};
  for (const f of record.findings) raw[f.finding_name] = (await store.rawFinding(f.finding_name)) ?? '';
  io.stdout(caseToJson(record, raw));
}

export async function verifyCommand(context: CliContext, caseId: string, io: CliIo, format: Format = 'text'): Promise<void> {
  await findCase(context, caseId);
  const store = await context.store();
  const result = await store.verifyAudit(caseId);
  if (!result.intact) {
    throw new CommandError(`${caseId}: audit chain broken at entry #${result.firstBroken.seq} (${result.firstBroken.key}): ${result.firstBroken.reason}`);
  }
  // The chain proves the record was not edited; the signatures prove who decided.
  const { entries, signaturesRequired } = await store.recordedDecisions(caseId);
  const keys = configuredKeys(context.config, { withRetired: true });
  if (entries.some((e) => e.detail.signed !== undefined) && keys.length === 0) throw new CommandError(`${caseId}: audit chain intact, but no decisionAuthority.keys are configured here to check its decisions' signatures with`);
  const checks = entries.map((entry) => checkRecordedDecision(caseId, entry, keys, signaturesRequired));
  const broken = checks.find((c) => c.verdict === 'broken');
  if (broken && broken.verdict === 'broken') throw new CommandError(`${caseId}: audit chain intact, but ${broken.key} (${broken.who}) does not verify: ${broken.reason}`);
  const count = (verdict: string) => checks.filter((c) => c.verdict === verdict).length;
  const said = [
    count('verified') > 0 ? `${count('verified')} signed by the decision authority (${[...new Set(checks.flatMap((c) => (c.verdict === 'verified' ? [c.keyId] : [])))].join(', ')})` : '',
    count('by-policy') > 0 ? `${count('by-policy')} by policy` : '',
    count('unsigned-before-signatures') > 0 ? `${count('unsigned-before-signatures')} unsigned (the case predates signed decisions)` : '',
  ].filter(Boolean);
  print(
    io,
    format,
    { caseId, intact: true, entries: result.entries, decisions: { verified: count('verified'), byPolicy: count('by-policy'), unsignedBeforeSignatures: count('unsigned-before-signatures') }, keyIds: [...new Set(checks.flatMap((c) => (c.verdict === 'verified' ? [c.keyId] : [])))] },
    () => [`${caseId}: audit chain intact (${result.entries} entries)${said.length > 0 ? `; decisions: ${said.join(', ')}` : ''}`],
  );
}
