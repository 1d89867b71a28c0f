import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { resolveTemporalCli } from '../../src/stack/temporal-cli';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { decideUpdate, decisionSignal, statusQuery, type CaseSnapshot, type DecisionInput } from '../../src/workflows/shared';
import type { DecisionClaim } from '../../src/workflows/signed-decision';
import { approvers, newAuthority, signedFor, startCaseRig, type CaseRig } from '../case-rig';
import { scenarioFinding, variantOf } from '../fixtures/finding-variants';

/**
 * Whoever holds only Temporal access cannot decide. Each forged, replayed or tampered decision
 * below is refused by the workflow itself, changes nothing, and is kept on the record (the
 * history and the case's timeline) with why; the legitimate decision after them goes through.
 */

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig({ fourEyes: true });
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
}, 180_000);

const run = promisify(execFile);

/** The stock `temporal` CLI, as anyone with namespace access runs it. */
async function temporalCli(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(resolveTemporalCli(), [...args, '--address', rig.env.address, '--namespace', 'default'], { timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return String((error.cause as Error | undefined)?.message);
    throw error;
  }
  throw new Error('the decision was accepted');
}

async function readyCase(category: string, runtime: 'gke' | 'cloud-run' = 'gke'): Promise<{ handle: WorkflowHandle<typeof investigateCase>; ready: CaseSnapshot; workflowId: string; runId: string; caseId: string }> {
  const { workflowId, runId, caseId } = await rig.ingest(rig.finding(category, runtime));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  return { handle: rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId), ready, workflowId, runId, caseId };
}

/** A signed decision with its claim rewritten and signed again by the rig's authority: what a valid signature made for something else looks like. */
async function signedAs(handle: WorkflowHandle, decision: DecisionInput, change: Partial<DecisionClaim>, now?: number): Promise<DecisionInput> {
  const genuine = await signedFor(handle, decision, rig.authority);
  const { v: _v, at: _at, expiresAt: _expires, nonce: _nonce, ...claim } = JSON.parse(genuine.signed!.claim) as DecisionClaim;
  return { ...decision, signed: rig.authority.sign({ ...claim, ...change }, now) };
}

test('forged decisions are refused by the case, recorded, and change nothing; the approvers it needs still decide', async () => {
  const { handle, ready, workflowId, runId, caseId } = await readyCase('Launch Code Compiler Tool In Container');
  const other = await readyCase('Malicious Script Executed');
  const planHash = ready.plan!.hash;
  const approve = (approver: string): DecisionInput => ({ decision: 'approve', approver, planHash });

  // The stock CLI: a raw update and a raw signal naming a real approver, with no signature.
  const raw = JSON.stringify(approve(approvers.secops));
  const update = await temporalCli(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--run-id', runId, '--name', 'decide', '--input', raw]);
  expect(update.ok).toBe(false);
  expect(update.output).toMatch(/not signed by the decision authority/);
  const signal = await temporalCli(['workflow', 'signal', '--workflow-id', workflowId, '--run-id', runId, '--name', 'decision', '--input', raw]);
  expect(signal.ok).toBe(true);

  // A signature from a key the workers do not trust.
  expect(await refusal(rig.decide(handle, approve(approvers.secops), newAuthority()))).toMatch(/which this case does not trust/);
  // A genuine signature made for another case, and one that expired.
  const forOther = await signedFor(other.handle, { ...approve(approvers.secops), planHash: other.ready.plan!.hash }, rig.authority);
  expect(await refusal(handle.executeUpdate(decideUpdate, { args: [{ ...forOther, planHash }] }))).toMatch(/made for case/);
  expect(await refusal(handle.executeUpdate(decideUpdate, { args: [await signedAs(handle, approve(approvers.secops), {}, Date.now() - 11 * 60_000)] }))).toMatch(/expired at/);
  // A genuine signature on which the message says something else, and one whose claim was edited.
  const genuine = await signedFor(handle, approve(approvers.secops), rig.authority);
  expect(await refusal(handle.executeUpdate(decideUpdate, { args: [{ ...genuine, approver: approvers.lead }] }))).toMatch(/but secops@acme.example signed it/);
  const edited = { ...genuine, signed: { ...genuine.signed!, claim: genuine.signed!.claim.replace(approvers.secops, approvers.lead) } };
  expect(await refusal(handle.executeUpdate(decideUpdate, { args: [edited] }))).toMatch(/does not verify/);

  // Nothing was decided, and every attempt is on the record: the history's refusals and the case's timeline.
  const after = await rig.waitFor(workflowId, runId, (s) => s.refused.length === 7, 10_000).catch(async (error: unknown) => {
    throw new Error(`${String(error)}; refused: ${JSON.stringify((await handle.query(statusQuery)).refused)}`);
  });
  expect(after).toMatchObject({ status: 'awaiting-decision', decisions: [] });
  expect(after.refused.map((r) => r.via).sort()).toEqual(['signal', 'update', 'update', 'update', 'update', 'update', 'update']);
  const timeline = await waitForTimeline(caseId, (kinds) => kinds.filter((k) => k === 'decision-refused').length === 7);
  expect(timeline).not.toContain('decision');

  // Four-eyes: one person under two spellings is one person; the genuine signature counts once.
  await handle.executeUpdate(decideUpdate, { args: [genuine] });
  expect(await refusal(handle.executeUpdate(decideUpdate, { args: [genuine] }))).toMatch(/already used/);
  expect(await refusal(rig.decide(handle, approve(' SecOps+second@ACME.example')))).toMatch(/four-eyes: .*secops@acme.example/i);
  expect(await refusal(rig.decide(handle, approve('ｓｅｃｏｐｓ@acme.example')))).toMatch(/four-eyes/);
  expect(await handle.query(statusQuery)).toMatchObject({ status: 'awaiting-decision', pending: { approvalsNeeded: 1 } });

  // The second approver, signed by the authority: the case contains.
  await rig.decide(handle, approve(approvers.lead));
  const closed = await handle.result();
  expect(closed.outcome).toBe('contained');
  expect(closed.decisions.map((d) => [d.approver, d.via, d.authenticatedVia, d.signed?.keyId])).toEqual([
    [approvers.secops, 'update', 'lab', rig.authority.key.id],
    [approvers.lead, 'update', 'lab', rig.authority.key.id],
  ]);
  await rig.decide(other.handle, { decision: 'reject', approver: approvers.lead, reason: 'the other case of this test', planHash: other.ready.plan!.hash });
}, 240_000);

test('a decision by signal obeys the same rule; a signature for one run of a subject decides nothing on the next', async () => {
  const entry = scenarioFinding(rig.lab.scenario, 'Netcat Remote Code Execution In Container', 'cloud-run');
  const first = await rig.ingest(variantOf(entry, { suffix: 'first' }));
  const ready = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(first.workflowId, first.runId);
  await handle.signal(decisionSignal, { decision: 'reject', approver: approvers.secops, reason: 'forged by signal', planHash: ready.plan!.hash });
  const refused = await rig.waitFor(first.workflowId, first.runId, (s) => s.refused.length === 1);
  expect(refused.refused[0]).toMatchObject({ via: 'signal', reason: expect.stringMatching(/not signed/) });
  expect(refused.status).toBe('awaiting-decision');
  const rejection = await signedFor(handle, { decision: 'reject', approver: approvers.secops, reason: 'an expected deployment step', planHash: ready.plan!.hash }, rig.authority);
  await handle.signal(decisionSignal, rejection);
  expect(await handle.result()).toMatchObject({ outcome: 'rejected', decisions: [{ approver: approvers.secops, via: 'signal', reason: 'an expected deployment step' }] });

  // The subject's next run (same workflow ID, a new case): the captured rejection, sent again, is another case's.
  const second = await rig.ingest(variantOf(entry, { suffix: 'second' }));
  expect(second).toMatchObject({ workflowId: first.workflowId, duplicate: false });
  const next = await rig.waitForStatus(second.workflowId, second.runId, 'awaiting-decision');
  const nextHandle = rig.env.client.workflow.getHandle<typeof investigateCase>(second.workflowId, second.runId);
  expect(await refusal(nextHandle.executeUpdate(decideUpdate, { args: [rejection] }))).toMatch(new RegExp(`made for case ${first.caseId}, not ${second.caseId}`));
  await nextHandle.signal(decisionSignal, rejection);
  expect((await rig.waitFor(second.workflowId, second.runId, (s) => s.refused.length === 2)).status).toBe('awaiting-decision');
  await rig.decide(nextHandle, { decision: 'reject', approver: approvers.lead, reason: 'the same expected step', planHash: next.plan!.hash });
}, 120_000);

async function waitForTimeline(caseId: string, done: (kinds: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const kinds = ((await rig.store.getCase(caseId))?.timeline ?? []).map((e) => e.kind);
    if (done(kinds) || Date.now() > deadline) return kinds;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
