import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { playbookFor } from '../findings/categories';
import type { Finding } from '../findings/model';
import { activityProfiles } from './activity-profiles';
import { canonicalJson } from '../util/canonical-json';
import { suppressionFor } from './suppression';
import { collectionOrder, type EvidenceSource } from './collection-order';
import { approvalsStillNeeded, isDecided as isDecidedNow, refusalReason as refusalReasonNow } from './decision-rules';
import { searchAttributes } from './search-attributes';
import { caseMetrics, type Milestone } from './case-metrics';
import {
  caseIdFor,
  decideUpdate,
  decisionSignal,
  findingSignal,
  statusQuery,
  type ActionResult,
  type CaseInput,
  type CaseOutcome,
  type CaseSnapshot,
  type CaseStatus,
  type Decision,
  type DecisionInput,
  type Plan,
  type RefusedDecision,
  type StepName,
  type StepRecord,
} from './shared';

const recordAsActivity = proxyActivities<CaseActivities>(activityProfiles.record);
const recordAsLocalActivity = proxyLocalActivities<CaseActivities>(activityProfiles.record);
const read = proxyActivities<CaseActivities>(activityProfiles.cloudRead);
const logs = proxyActivities<CaseActivities>(activityProfiles.logs);
const capture = proxyActivities<CaseActivities>(activityProfiles.capture);
const lookup = proxyActivities<CaseActivities>(activityProfiles.lookup);
const mutate = proxyActivities<CaseActivities>(activityProfiles.mutation);
const notify = proxyActivities<CaseActivities>(activityProfiles.notify);

/** A world that keeps changing under the plan is a case for a human, not a loop. */
const maxReplans = 3;

type Verdict = 'approved' | 'rejected' | 'expired' | 'plan-kept-changing';

// Cases of this version know approve and reject only: close and watch came with the next one.
const refusalReason: typeof refusalReasonNow = (decision, context) =>
  decision?.decision === 'close' || decision?.decision === 'watch' ? 'this case predates "close" and "watch": approve or reject it' : refusalReasonNow(decision, context);
const isDecided = (...args: Parameters<typeof isDecidedNow>) => isDecidedNow(...args) as 'approved' | 'rejected' | undefined;

/**
 * The case workflow as it ran before the main flow became the only writer of the case record
 * (patch `main-flow-records`). Kept as it was, so that histories recorded before that change
 * replay as they ran: its handlers still schedule activities and upsert search attributes, which
 * is why it could race its own main flow's local activities (see investigate-case.ts).
 */
export async function investigateCaseBeforeMainFlowRecords(input: CaseInput): Promise<CaseSnapshot> {
  const { workflowId, runId, firstExecutionRunId } = workflowInfo();
  // A reset (the way out of a history that no longer replays) starts a new run of the same case.
  const caseId = caseIdFor(firstExecutionRunId);
  const { policy } = input;
  // A case writes its record some twenty times. Each write is quick, idempotent and keyed, so as a
  // local activity it rides on the workflow task instead of costing its own server round trips.
  const record = patched('local-records') ? recordAsLocalActivity : recordAsActivity;
  // Not from signal and update handlers: a local activity there can resolve in the same workflow
  // task as the main flow's commands, in an order that replay does not reproduce.
  const recordFromHandler = recordAsActivity;
  const findings: Finding[] = [];
  const steps: StepRecord[] = [];
  const decisions: Decision[] = [];
  const refused: RefusedDecision[] = [];
  const actions: ActionResult[] = [];
  let status: CaseStatus = 'investigating';
  let plan: Plan | undefined;
  let outcome: CaseOutcome | undefined;
  let opened = false;
  let collection: EvidenceSource[] | undefined;
  const recordedFindings = new Set<string>();

  const snapshot = (): CaseSnapshot => ({
    caseId,
    workflowId,
    subjectKey: input.subjectKey,
    status,
    findings: findings.map((f) => ({ name: f.name, category: f.category, severity: f.severity, eventTime: f.eventTime })),
    steps: [...steps],
    ...(collection ? { collection } : {}),
    ...(plan ? { plan } : {}),
    decisions: [...decisions],
    ...((status === 'awaiting-decision' || status === 'escalated') && plan
      ? { pending: { planHash: plan.hash, approvalsNeeded: approvalsStillNeeded(plan, decisions, policy) } }
      : {}),
    refused: [...refused],
    actions: [...actions],
    ...(outcome ? { outcome } : {}),
  });

  const decisionContext = () => ({ status, plan, decisions, policy });

  const accept = async (decision: DecisionInput, via: Decision['via']) => {
    const accepted: Decision = {
      decision: decision.decision,
      approver: decision.approver.trim().toLowerCase(),
      planHash: decision.planHash,
      at: new Date().toISOString(),
      via,
      ...(decision.reason ? { reason: decision.reason } : {}),
      ...(decision.decision === 'reject' && decision.falsePositive === true ? { falsePositive: true } : {}),
      // Kept when the console signed it: the workers' own check before acting reads it from the record.
      ...(decision.signed ? { signed: decision.signed } : {}),
    };
    decisions.push(accepted);
    await recordFromHandler.recordEvent({ caseId, key: `decision:${decisions.length}`, at: accepted.at, kind: 'decision', outcome: accepted.decision, detail: { ...accepted } });
  };

  setHandler(statusQuery, snapshot);
  setHandler(findingSignal, async (finding: Finding) => {
    if (findings.some((known) => known.name === finding.name)) return; // the same finding twice is one finding
    findings.push(finding);
    if (opened) await recordFinding(finding);
  });
  setHandler(
    decideUpdate,
    async (decision: DecisionInput) => {
      await accept(decision, 'update');
      return { status, approvalsNeeded: approvalsStillNeeded(plan, decisions, policy) };
    },
    {
      validator: (decision: DecisionInput) => {
        const reason = refusalReason(decision, decisionContext());
        if (reason) throw new Error(reason);
      },
    },
  );
  setHandler(decisionSignal, async (decision: DecisionInput) => {
    const reason = refusalReason(decision, decisionContext());
    if (!reason) return accept(decision, 'signal');
    const refusal: RefusedDecision = { at: new Date().toISOString(), via: 'signal', approver: String(decision?.approver ?? ''), reason };
    refused.push(refusal);
    await recordFromHandler.recordEvent({ caseId, key: `refused:${refused.length}`, at: refusal.at, kind: 'decision-refused', detail: { ...refusal } });
  });

  async function recordFinding(finding: Finding) {
    if (recordedFindings.has(finding.name)) return;
    recordedFindings.add(finding.name);
    await recordFromHandler.recordFindingJoined({ caseId, finding, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: searchAttributes.findingNames, value: findings.map((f) => f.name).slice(0, 100) }]);
  }

  /**
   * SCC learns what became of its findings. Added after cases had run: the patch marker keeps
   * histories recorded before it replaying as they ran.
   */
  async function writeBack(closing: boolean) {
    if (!patched('scc-write-back')) return;
    const rejection = decisions.find((d) => d.decision === 'reject');
    try {
      await read.writeBackToScc({
        caseId,
        findingNames: findings.map((f) => f.name),
        status,
        resolved: closing && (status === 'contained' || status === 'intended-change' || (rejection?.falsePositive ?? false)),
        falsePositive: closing && (rejection?.falsePositive ?? false),
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // SCC not hearing back is recorded, never a reason to fail the case.
      await record.recordEvent({ caseId, key: `scc-write-back-gap:${status}`, at: new Date().toISOString(), kind: 'gap', step: 'scc-write-back', detail: { reason: error.cause?.message ?? error.message } });
    }
  }

  const openedAtMs = Date.now();
  const milestones: Partial<Record<CaseStatus, Milestone>> = { 'awaiting-decision': 'ready', containing: 'decided', rejected: 'decided', contained: 'contained' };
  const reached = new Set<Milestone>();

  async function setStatus(next: CaseStatus, fields: Parameters<CaseActivities['recordCaseState']>[0]['fields'] = {}) {
    status = next;
    log.info(`case ${next}`, { caseId, status: next, subjectKey: input.subjectKey });
    caseMetrics.entered(next);
    const milestone = milestones[next];
    if (milestone && !reached.has(milestone)) {
      reached.add(milestone);
      caseMetrics.milestone(milestone, Date.now() - openedAtMs);
    }
    upsertSearchAttributes([{ key: searchAttributes.caseStatus, value: next }]);
    await record.recordCaseState({ caseId, status: next, at: new Date().toISOString(), fields });
  }

  /** Runs one runbook step; a failure it cannot get past is recorded as a gap, and the case goes on. */
  async function step<T extends { summary: string }>(name: StepName, work: () => Promise<T>): Promise<T | undefined> {
    const startedAt = new Date().toISOString();
    let result: T | undefined;
    let gap: StepRecord['gap'];
    try {
      result = await work();
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause;
      gap = {
        reason: cause?.message ?? error.message,
        errorType: cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : (cause?.name ?? 'ActivityFailure'),
      };
    }
    const entry: StepRecord = { step: name, startedAt, endedAt: new Date().toISOString(), outcome: gap ? 'gap' : 'ok', summary: result?.summary ?? `gap: ${gap?.reason}`, ...(gap ? { gap } : {}) };
    steps.push(entry);
    caseMetrics.step(name, entry.outcome, Date.parse(entry.endedAt) - Date.parse(startedAt));
    await record.recordEvent({ caseId, key: `step:${name}`, at: entry.endedAt, kind: 'step', step: name, outcome: entry.outcome, detail: { ...entry } });
    return result;
  }

  // The first finding arrives with the start (signal-with-start).
  await condition(() => findings.length > 0);
  const primary = findings[0]!;
  await record.recordCaseOpened({ caseId, workflowId, runId, subjectKey: input.subjectKey, finding: primary, dryRun: policy.dryRun, openedAt: new Date().toISOString() });
  opened = true;
  for (const finding of [...findings]) await recordFinding(finding);

  // A change the team makes on purpose closes here, with the runbook's advice, before anything is collected.
  const suppression = suppressionFor(primary, policy.suppressions ?? []);
  if (suppression && patched('suppression-rules')) {
    const advice = playbookFor(primary.category).ifIntended;
    await record.recordEvent({ caseId, key: 'suppressed', at: new Date().toISOString(), kind: 'suppressed', detail: { rule: suppression.id, reason: suppression.reason, advice } });
    outcome = 'intended-change';
    await setStatus('intended-change', { closedAt: new Date().toISOString(), outcome, advice });
    await writeBack(true);
    await condition(allHandlersFinished);
    return snapshot();
  }

  // Steps 1-6 of the runbook.
  const subject = primary.subject;
  let instanceId: string | undefined;
  let captured: string[] = [];
  const runbookStep: Record<StepName, () => Promise<unknown>> = {
    review: () => step('review', () => read.reviewFinding({ caseId, finding: primary, windowMinutes: policy.relatedWindowMinutes })),
    'cluster-and-node': async () => {
      if (subject.runtime === 'gke') instanceId = (await step('cluster-and-node', () => read.checkClusterAndNode({ caseId, subject })))?.instanceId;
    },
    pod: async () => subject.runtime === 'gke' && step('pod', () => read.checkPod({ caseId, subject })),
    'cloud-run': async () => subject.runtime === 'cloud-run' && step('cloud-run', () => read.checkCloudRun({ caseId, subject })),
    logs: () => step('logs', () => logs.queryLogs({ caseId, subject, eventTime: primary.eventTime, window: policy.logWindow, ...(instanceId ? { instanceId } : {}) })),
    capture: async () => {
      if (subject.runtime === 'gke') captured = (await step('capture', () => capture.captureEvidence({ caseId, subject, findings: [...findings] })))?.sha256s ?? [];
    },
    research: () => step('research', () => lookup.research({ caseId, findings: [...findings], capturedSha256s: captured })),
  };
  if (patched('volatile-first')) {
    collection = collectionOrder(subject, primary.eventTime, policy.retentionDays);
    await record.recordEvent({ caseId, key: 'collection-order', at: new Date().toISOString(), kind: 'collection-order', detail: { sources: collection } });
    for (const source of collection) await runbookStep[source.step]();
  } else {
    // The runbook's order, as cases ran before collection went volatile-first.
    const order: StepName[] = subject.runtime === 'gke' ? ['review', 'cluster-and-node', 'pod', 'logs', 'capture', 'research'] : ['review', 'cloud-run', 'logs', 'research'];
    for (const name of order) await runbookStep[name]();
  }

  // The plan, bound to exact targets, and the gate.
  // Against the state of the moment: made once here, and again before acting.
  const makePlan = () => read.planContainment({ caseId, findings: [...findings], dryRun: policy.dryRun, ...(policy.responses ? { responses: policy.responses } : {}) });
  plan = await makePlan();
  await record.recordEvent({ caseId, key: 'plan', at: plan.createdAt, kind: 'plan', detail: { ...plan } });
  await setStatus('awaiting-decision', { readyAt: new Date().toISOString(), plan, planHash: plan.hash, advice: plan.advice });
  await writeBack(false);

  /** Waits for the decisions the current plan needs, escalating once; undefined when the case expired. */
  async function gate(currentPlan: Plan): Promise<Verdict> {
    const auto = policy.autoContain;
    if (auto && auto.playbooks.includes(primary.playbook.id) && auto.severities.includes(primary.severity)) {
      await accept({ decision: 'approve', approver: 'policy:auto-contain', planHash: currentPlan.hash }, 'policy');
    } else {
      await notify.notify({ caseId, event: 'ready-for-decision', findings: [...findings], plan: currentPlan });
      const decidedInTime = await condition(() => isDecided(decisions, currentPlan, policy) !== undefined, policy.escalateAfterMs);
      if (!decidedInTime) {
        await setStatus('escalated');
        await notify.notify({ caseId, event: 'escalated', findings: [...findings], plan: currentPlan });
        await condition(() => isDecided(decisions, currentPlan, policy) !== undefined, Math.max(1, policy.expireAfterMs - policy.escalateAfterMs));
      }
    }
    return isDecided(decisions, currentPlan, policy) ?? 'expired';
  }

  let verdict: Verdict = await gate(plan);
  // An approval names one plan. If the world moved while it waited (the pod replaced, a new
  // resourceVersion, traffic moved), the plan is made again and the new one needs its own decision.
  for (let replans = 0; verdict === 'approved' && !plan.dryRun && patched('replan-before-apply'); replans++) {
    const approved: Plan = plan;
    const fresh: Plan = await makePlan();
    if (canonicalJson(fresh.actions) === canonicalJson(approved.actions)) break;
    const at = new Date().toISOString();
    await record.recordEvent({ caseId, key: `plan-changed:${replans + 1}`, at, kind: 'plan-changed', detail: { approvedHash: approved.hash, hash: fresh.hash, replans: replans + 1 } });
    plan = fresh;
    if (replans + 1 > maxReplans) {
      verdict = 'plan-kept-changing';
      break;
    }
    await record.recordEvent({ caseId, key: `plan:${replans + 2}`, at: fresh.createdAt, kind: 'plan', detail: { ...fresh } });
    await setStatus('awaiting-decision', { plan: fresh, planHash: fresh.hash, advice: fresh.advice });
    verdict = await gate(fresh);
  }

  if (verdict === 'plan-kept-changing') {
    outcome = 'plan-kept-changing';
    await setStatus('failed', { closedAt: new Date().toISOString(), outcome });
    await notify.notify({ caseId, event: 'expired', findings: [...findings], plan });
  } else if (verdict === 'expired') {
    outcome = 'expired-not-contained';
    await setStatus('expired', { closedAt: new Date().toISOString(), outcome });
    await notify.notify({ caseId, event: 'expired', findings: [...findings], plan });
  } else if (verdict === 'rejected') {
    outcome = 'rejected';
    await setStatus('rejected', { decidedAt: new Date().toISOString(), decision: decisions, closedAt: new Date().toISOString(), outcome });
    await notify.notify({ caseId, event: 'decided', findings: [...findings], plan });
  } else {
    await setStatus('containing', { decidedAt: new Date().toISOString(), decision: decisions });
    // Step 7: the approved plan, exactly.
    for (const action of plan.actions) {
      try {
        actions.push(await mutate.applyAction({ caseId, action, dryRun: plan.dryRun }));
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        actions.push({ action: action.action, target: JSON.stringify(action.target), status: 'failed', detail: error.cause?.message ?? error.message, at: new Date().toISOString() });
      }
      caseMetrics.action(actions.at(-1)!.action, actions.at(-1)!.status);
    }
    outcome = plan.dryRun
      ? 'dry-run'
      : plan.actions.length === 0
        ? 'nothing-to-do'
        : actions.every((a) => a.status === 'applied' || a.status === 'already-done' || a.status === 'skipped')
          ? 'contained'
          : 'partially-contained';
    const now = new Date().toISOString();
    await setStatus(outcome === 'partially-contained' ? 'failed' : 'contained', { containedAt: now, closedAt: now, outcome });
    await notify.notify({ caseId, event: 'contained', findings: [...findings], plan });
  }

  await writeBack(true);
  await condition(allHandlersFinished);
  return snapshot();
}
