import { ActivityFailure, ApplicationFailure, CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { playbookFor } from '../findings/categories';
import { profilesFor } from './activity-profiles';
import type { CaseJournal } from './case-journal';
import { caseMetrics } from './case-metrics';
import type { CaseState } from './case-state';
import type { Verdict } from './case-gate';
import { gapFrom } from './gaps';
import type { SuppressionRule } from './suppression';
import type { CaseOutcome, CaseStatus, Plan, Policy, StepName, StepRecord } from './shared';
import type { CampaignSampling } from '../cases/campaigns';
import { planEvent, presentedFields, type JournalEntry } from './journal';
import type { SelfRecorded, StepMark } from '../activities/step-records';

/** The activities a case calls, each kind with its timeouts and the policy's retry budget. */
export function caseActivities(policy: Policy) {
  const profiles = profilesFor(policy.retry);
  return {
    read: proxyActivities<CaseActivities>(profiles.cloudRead),
    logs: proxyActivities<CaseActivities>(profiles.logs),
    capture: proxyActivities<CaseActivities>(profiles.capture),
    lookup: proxyActivities<CaseActivities>(profiles.lookup),
    mutate: proxyActivities<CaseActivities>(profiles.mutation),
    notify: proxyActivities<CaseActivities>(profiles.notify),
    compute: proxyActivities<CaseActivities>(profiles.record),
  };
}

/** A case as the runbook's steps see it: its state, its record, and the activities it calls. */
export interface Case {
  state: CaseState;
  journal: CaseJournal;
  activities: ReturnType<typeof caseActivities>;
}

const now = () => new Date().toISOString();

/**
 * Runs one activity the runbook can do without. Its final failure (a denied permission, an object
 * that is gone, a timeout, retries worn out) is a recorded gap that names the API, the operation
 * and the target; the case goes on. Only the workflow's own bugs get past it.
 */
export async function attempt<T>(c: Case, gapStep: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await c.journal.gap(gapFrom(gapStep, error, now()));
    return undefined;
  }
}

/**
 * One runbook step: its result or its gap is recorded, and the case goes on either way. Since
 * `steps-record-themselves`, a step's activity writes the step's record when it succeeds (one
 * activity per step fewer); the case writes the record of a step that failed, and of one whose
 * activity did not (a worker of an older build).
 */
async function step<T extends { summary: string } & SelfRecorded>(c: Case, name: StepName, work: (mark: { recordStep?: StepMark }) => Promise<T>): Promise<T | undefined> {
  const startedAt = now();
  const selfRecording = c.state.patches.has('steps-record-themselves');
  let result: T | undefined;
  let gap: StepRecord['gap'];
  try {
    result = await work(selfRecording ? { recordStep: { step: name, startedAt } } : {});
    if (result.recorded) {
      c.state.steps.push(result.recorded);
      caseMetrics.step(name, 'ok', Date.parse(result.recorded.endedAt) - Date.parse(startedAt));
      return result;
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const { step: _step, at: _at, ...found } = gapFrom(name, error, startedAt);
    gap = found;
  }
  const entry: StepRecord = { step: name, startedAt, endedAt: now(), outcome: gap ? 'gap' : 'ok', summary: result?.summary ?? `gap: ${gap?.reason}`, ...(gap ? { gap } : {}) };
  c.state.steps.push(entry);
  caseMetrics.step(name, entry.outcome, Date.parse(entry.endedAt) - Date.parse(startedAt));
  await c.journal.write([{ type: 'event', key: `step:${name}`, at: entry.endedAt, kind: 'step', step: name, outcome: entry.outcome, detail: { ...entry } }]);
  return result;
}

/** Steps 1-6 of the runbook, in the order the collection plan gives (most volatile first). */
export function runbookSteps(c: Case): Record<StepName, () => Promise<unknown>> {
  const { state } = c;
  const { caseId, policy } = state;
  const subject = state.primary.subject;
  let instanceId: string | undefined;
  let captured: string[] = [];
  let peers: string[] = [];
  return {
    review: () => step(c, 'review', (mark) => c.activities.read.reviewFinding({ caseId, finding: state.primary, windowMinutes: policy.relatedWindowMinutes, ...mark })),
    'cluster-and-node': async () => {
      if (subject.runtime === 'gke') instanceId = (await step(c, 'cluster-and-node', (mark) => c.activities.read.checkClusterAndNode({ caseId, subject, ...mark })))?.instanceId;
    },
    pod: async () => subject.runtime === 'gke' && step(c, 'pod', (mark) => c.activities.read.checkPod({ caseId, subject, ...mark })),
    'cloud-run': async () => subject.runtime === 'cloud-run' && step(c, 'cloud-run', (mark) => c.activities.read.checkCloudRun({ caseId, subject, ...mark })),
    logs: () => step(c, 'logs', (mark) => c.activities.logs.queryLogs({ caseId, subject, eventTime: state.primary.eventTime, window: policy.logWindow, ...(instanceId ? { instanceId } : {}), ...mark })),
    capture: async () => {
      if (subject.runtime !== 'gke') return;
      const result = await step(c, 'capture', (mark) => c.activities.capture.captureEvidence({ caseId, subject, findings: [...state.findings], ...mark }));
      captured = result?.sha256s ?? [];
      // Histories recorded before the capture read processes carry no peers.
      peers = result?.remoteAddresses ?? [];
    },
    research: async () => {
      const result = await step(c, 'research', (mark) => c.activities.lookup.research({ caseId, findings: [...state.findings], capturedSha256s: captured, remoteAddresses: peers, ...mark }));
      // Histories recorded before the research named what it flagged plan as they did.
      state.flagged.push(...(result?.flagged ?? []));
    },
  };
}

/** A step that needs another's answer: the node's logs are queried by the instance the node check names. */
const needs: Partial<Record<StepName, StepName>> = { logs: 'cluster-and-node' };

/**
 * Steps 1-6 since `steps-read-together`: the volatile source first and alone (the running process
 * and its files, before any other read or a replacement can change the pod), then every other
 * step at once, each after the step whose answer it needs. Reads that wait on the cloud overlap
 * instead of adding up, and the case takes fewer workflow tasks. The case's steps are listed in
 * the collection order (`listed`, sampled ones included) whatever order they ended in.
 */
export async function collectTogether(c: Case, order: readonly StepName[], steps: Record<StepName, () => Promise<unknown>>, listed: readonly StepName[] = order): Promise<void> {
  const [first, ...rest] = order;
  if (first === undefined) return;
  const alone = first === 'capture';
  if (alone) await steps[first]();
  const running = new Map<StepName, Promise<unknown>>();
  for (const name of alone ? rest : order) {
    const before = needs[name] !== undefined ? running.get(needs[name]) : undefined;
    running.set(name, before ? before.then(() => steps[name]()) : steps[name]());
  }
  await Promise.all(running.values());
  const position = (name: StepName) => listed.indexOf(name);
  c.state.steps.sort((a, b) => position(a.step) - position(b.step));
}

/**
 * The runbook steps whose evidence comes from the pod itself and repeats across a campaign's pods
 * (the same indicator, by definition): the campaign's sample collects them. The pod check stays
 * with every case, since its plan targets that pod and its owner.
 */
export const sampledSteps: readonly StepName[] = ['review', 'logs', 'capture'];

/** Entries that say which steps a case beyond its campaign's sample left to the sample, and why. */
export function sampledRecords(c: Case, sampling: CampaignSampling, collection: readonly { step: StepName }[]): JournalEntry[] {
  const at = now();
  const event: JournalEntry = { type: 'event', key: 'campaign-sampling', at, kind: 'campaign-sampling', detail: { ...sampling } };
  if (sampling.collects) return [event];
  const sample = sampling.sample.length > 0 ? `cases ${sampling.sample.join(', ')}` : 'its first cases';
  const skipped = collection.filter((source) => sampledSteps.includes(source.step));
  return [
    event,
    ...skipped.map(({ step }): JournalEntry => {
      const entry: StepRecord = { step, startedAt: at, endedAt: at, outcome: 'sampled', summary: `sampled: campaign ${sampling.campaignId} collects this from ${sample}; this is its case ${sampling.ordinal}` };
      c.state.steps.push(entry);
      return { type: 'event', key: `step:${step}`, at, kind: 'step', step, outcome: 'sampled', detail: { ...entry } };
    }),
  ];
}

/**
 * The containment plan against the state of the moment. When it cannot be made at all (the
 * cloud keeps failing), the case still gets a plan: one with nothing to apply, the runbook's
 * manual steps and the reason, for a person to close or keep watching.
 */
export async function makePlan(c: Case): Promise<Plan> {
  const input = planInput(c.state);
  const planned = await attempt(c, 'plan', () => c.activities.read.planContainment(input));
  return planned ?? (await planWithout(c, input));
}

function planInput(state: CaseState) {
  return {
    caseId: state.caseId,
    findings: [...state.findings],
    dryRun: state.policy.dryRun,
    ...(state.policy.responses ? { responses: state.policy.responses } : {}),
    ...(state.flagged.length ? { flagged: [...state.flagged] } : {}),
  };
}

function planWithout(c: Case, input: ReturnType<typeof planInput>): Promise<Plan> {
  return c.activities.compute.planWithoutActions({ ...input, reason: c.state.gaps.at(-1)?.reason ?? 'the plan could not be made' });
}

/**
 * The first plan, made and presented for a decision. Since `plan-records-itself` one activity
 * does both, and also writes what the case had still to write (findings that joined while the
 * steps ran, which the plan covers): two record activities fewer. A plan that could not be made,
 * or one from a worker of an older build, is presented by the case as before.
 */
export async function planForDecision(c: Case): Promise<Plan> {
  const { state, journal } = c;
  if (!state.patches.has('plan-records-itself')) {
    // Steps record themselves since `steps-record-themselves`: findings that joined meanwhile are taken in (and recorded) here, so the plan covers them.
    if (state.patches.has('steps-record-themselves') && state.hasNews()) await journal.write();
    const proposed = await makePlan(c);
    await presentPlan(c, proposed, true);
    return proposed;
  }
  // Decision keys due a fresh read are read by a write of the case's own, as every write does.
  if (state.keysRefreshDue()) await journal.write();
  const due = journal.takeDue();
  const input = planInput(state);
  const planned = await attempt(c, 'plan', async () => {
    try {
      return await c.activities.read.planContainment({ ...input, present: { entries: due } });
    } catch (error) {
      // Recorded with the gap instead.
      journal.carry(due);
      throw error;
    }
  });
  if (planned?.presented) {
    const { presented: _presented, ...plan } = planned;
    state.plan = plan;
    state.plansPresented++;
    journal.entered('awaiting-decision');
    return plan;
  }
  if (planned) journal.carry(due);
  const plan = planned ?? (await planWithout(c, input));
  await presentPlan(c, plan, true);
  return plan;
}

/** The plan, recorded, and the case waiting for a decision on it. */
export async function presentPlan(c: Case, plan: Plan, first: boolean): Promise<void> {
  c.state.plan = plan;
  const planNumber = ++c.state.plansPresented;
  await c.journal.setStatus('awaiting-decision', presentedFields(plan, first ? now() : undefined), [planEvent(plan, first ? 'plan' : `plan:${plan.hash.slice(0, 12)}:${planNumber}`)]);
}

/** A notice on the owner route; one that cannot be delivered is a gap, never the end of the case. */
export async function notice(c: Case, event: 'ready-for-decision' | 'escalated' | 'decided' | 'contained' | 'partially-contained' | 'expired' | 'failed', plan?: Plan): Promise<void> {
  await attempt(c, 'notify', () => c.activities.notify.notify({ caseId: c.state.caseId, event, findings: [...c.state.findings], ...(plan ? { plan } : {}) }));
}

/** SCC hears what became of its findings; a write-back that fails is a gap. */
export async function writeBack(c: Case, closing: boolean): Promise<void> {
  const { state } = c;
  const rejection = state.decisions.find((d) => d.decision === 'reject');
  const resolved = closing && (state.status === 'contained' || state.status === 'intended-change' || (rejection?.falsePositive ?? false));
  await attempt(c, 'scc-write-back', () =>
    c.activities.read.writeBackToScc({ caseId: state.caseId, findingNames: state.findings.map((f) => f.name), status: state.status, resolved, falsePositive: closing && (rejection?.falsePositive ?? false) }),
  );
}

/** A change the team makes on purpose: closed at once with the runbook's advice, nothing collected or contained. */
export async function closeAsIntended(c: Case, rule: SuppressionRule): Promise<void> {
  const advice = playbookFor(c.state.primary.category).ifIntended;
  c.state.outcome = 'intended-change';
  await c.journal.setStatus('intended-change', { closedAt: now(), outcome: 'intended-change', advice }, [
    { type: 'event', key: 'suppressed', at: now(), kind: 'suppressed', detail: { rule: rule.id, reason: rule.reason, advice } },
  ]);
  await writeBack(c, true);
}

/** Step 7: the approved plan, exactly; an action that fails is recorded as failed and as a gap. */
export async function contain(c: Case, plan: Plan): Promise<void> {
  const { state } = c;
  await c.journal.setStatus('containing', { decidedAt: now(), decision: state.decisions });
  for (const action of plan.actions) {
    try {
      state.actions.push(await c.activities.mutate.applyAction({ caseId: state.caseId, action, dryRun: plan.dryRun }));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const gap = gapFrom('containment', error, now());
      state.actions.push({ action: action.action, target: JSON.stringify(action.target), status: 'failed', detail: gap.reason, at: gap.at });
      await c.journal.gap(gap);
    }
    caseMetrics.action(state.actions.at(-1)!.action, state.actions.at(-1)!.status);
  }
  const done = state.actions.every((a) => a.status === 'applied' || a.status === 'already-done' || a.status === 'skipped');
  // A plan that contained nothing (the owner told, at most) closes as that, never as "contained".
  state.outcome = plan.dryRun ? 'dry-run' : !plan.actions.some((a) => a.destructive) ? 'nothing-to-do' : done ? 'contained' : 'partially-contained';
  const status = state.outcome === 'partially-contained' ? 'failed' : state.outcome === 'nothing-to-do' ? 'closed' : 'contained';
  await c.journal.setStatus(status, { ...(status === 'contained' ? { containedAt: now() } : {}), closedAt: now(), outcome: state.outcome });
  // Only the notice's input changes with the outcome, not the commands: every history replays as it was.
  await notice(c, status === 'closed' ? 'decided' : state.outcome === 'partially-contained' ? 'partially-contained' : 'contained', plan);
  await writeBack(c, true);
}

/** Every way a case ends without containment, with the notice that goes with it. */
export async function closeWithout(c: Case, verdict: Exclude<Verdict, 'approved' | 'watching'> | 'plan-kept-changing', plan: Plan): Promise<void> {
  const closing: Record<typeof verdict, { status: CaseStatus; outcome: CaseOutcome; event: 'decided' | 'expired' }> = {
    rejected: { status: 'rejected', outcome: 'rejected', event: 'decided' },
    closed: { status: 'closed', outcome: 'closed-by-responder', event: 'decided' },
    expired: { status: 'expired', outcome: 'expired-not-contained', event: 'expired' },
    'plan-kept-changing': { status: 'failed', outcome: 'plan-kept-changing', event: 'expired' },
  };
  const { status, outcome, event } = closing[verdict];
  c.state.outcome = outcome;
  const decided = verdict === 'rejected' || verdict === 'closed' ? { decidedAt: now(), decision: c.state.decisions } : {};
  await c.journal.setStatus(status, { ...decided, closedAt: now(), outcome });
  await notice(c, event, plan);
  await writeBack(c, true);
}

/**
 * The last resort: the workflow itself failed (a bug, a store that refuses a write, a cancel). The
 * record says so, with the reason and the time, and the owner route hears of it, before the
 * failure ends the run; what cannot be written here, the worker's reconciler writes from outside.
 */
export async function failed(c: Case, error: unknown): Promise<ApplicationFailure> {
  const { state } = c;
  const inner = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  const reason = inner instanceof Error ? `${inner instanceof ApplicationFailure && inner.type ? inner.type : inner.name}: ${inner.message}` : String(inner);
  state.failure = { reason, at: now() };
  state.outcome = 'workflow-failed';
  await CancellationScope.nonCancellable(async () => {
    try {
      await c.journal.setStatus('failed', { closedAt: state.failure!.at, outcome: 'workflow-failed' }, [{ type: 'event', key: 'workflow-failed', at: state.failure!.at, kind: 'failure', detail: { reason } }]);
    } catch {
      // The record may be what failed: the reconciler closes it from Temporal's side.
    }
    await notice(c, 'failed', state.plan).catch(() => undefined);
  });
  return ApplicationFailure.create({ message: `case ${state.caseId} failed: ${reason}`, type: 'CaseFailed', nonRetryable: true, ...(error instanceof Error ? { cause: error } : {}) });
}
