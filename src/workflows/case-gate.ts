import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import type { CaseJournal } from './case-journal';
import type { CaseState } from './case-state';
import { isDecided, type Decided } from './decision-rules';
import type { Plan } from './shared';

export type Verdict = Decided | 'expired';

type Notice = (event: 'ready-for-decision' | 'escalated', plan: Plan) => Promise<void>;

/**
 * The approval gate: notice to the owner route, then the decisions the plan needs, each recorded
 * as it comes; an escalation at one deadline, expiry at the next. Containment auto-approved by
 * policy skips the wait, never for a plan that contains nothing: a person looks at that one.
 * `alongside` (SCC's write-back, since `write-back-beside-notice`) runs with the notice, in the
 * same workflow task, or before the decision where no notice goes out. `campaignActed` answers,
 * after news that a campaign action is in place, whether that contains the case.
 */
export async function awaitDecision(state: CaseState, journal: CaseJournal, plan: Plan, notice: Notice, alongside: () => Promise<void> = async () => undefined, campaignActed?: () => Promise<Verdict | undefined>): Promise<Verdict> {
  const { policy } = state;
  const auto = policy.autoContain;
  if (auto && auto.playbooks.includes(state.primary.playbook.id) && auto.severities.includes(state.primary.severity) && plan.actions.some((a) => a.destructive)) {
    await alongside();
    state.decideByPolicy(plan);
    await journal.write();
    return 'approved';
  }
  // Old histories never planned a held campaign action, so they never reach the marker.
  if (heldByCampaign(plan) && state.patches.has('campaign-held')) {
    await alongside();
    state.decideByCampaign(plan);
    await journal.write();
    return 'approved';
  }
  await Promise.all([notice('ready-for-decision', plan), alongside()]);
  const decided = () => isDecided(state.decisions, plan, policy);
  const inTime = await wakeOnNews(state, journal, policy.escalateAfterMs, decided, campaignActed);
  if (inTime) return inTime;
  await journal.setStatus('escalated');
  await notice('escalated', plan);
  return (await wakeOnNews(state, journal, Math.max(1, policy.expireAfterMs - policy.escalateAfterMs), decided, campaignActed)) ?? 'expired';
}

/** Every destructive action of the plan is its campaign's, in place already; and there is one. */
export function heldByCampaign(plan: Plan): plan is Plan & { campaignHeld: NonNullable<Plan['campaignHeld']> } {
  const held = plan.campaignHeld?.actions ?? [];
  return plan.actions.some((a) => a.destructive) && plan.actions.every((a, i) => !a.destructive || held.includes(i));
}

/** A case under watch: waits for a finding to join (the case then plans again), a closing decision, or expiry. */
export async function watch(state: CaseState, journal: CaseJournal, plan: Plan): Promise<'finding' | Verdict> {
  const known = state.findings.length;
  const outcome = () => (state.findings.length > known ? 'finding' : isDecided(state.decisions, plan, state.policy) === 'watching' ? undefined : isDecided(state.decisions, plan, state.policy));
  return (await wakeOnNews(state, journal, state.policy.expireAfterMs, outcome)) ?? 'expired';
}

/**
 * Waits up to `ms` for `done` to answer, taking in and recording whatever the handlers leave
 * meanwhile. The deadline is one timer, started here and cancelled when the wait ends: whether
 * the case waits or goes on is decided after a recorded write, never on a handler's own timing.
 */
async function wakeOnNews<T>(state: CaseState, journal: CaseJournal, ms: number, done: () => T | undefined, afterNews?: () => Promise<T | undefined>): Promise<T | undefined> {
  // A decision that a write on the way here already took in (the gap of a refused write-back,
  // say) is no news any more: without this it waited for the deadline. Behind a patch marker,
  // taken only then, so that a history that waited replays as it ran.
  const already = state.hasNews() ? undefined : done();
  if (already !== undefined && state.patches.has('decided-before-the-wait')) return already;
  return CancellationScope.cancellable(async () => {
    let due = false;
    const deadline = sleep(ms).then(() => {
      due = true;
    });
    // News taken in before the wait (a campaign action put in place while the case planned) is answered first.
    const before = afterNews ? await afterNews() : undefined;
    if (before !== undefined) {
      CancellationScope.current().cancel();
      return before;
    }
    for (;;) {
      await Promise.race([deadline, condition(() => state.hasNews())]);
      await journal.write();
      // What the news itself may settle (a campaign action now in place), under the same deadline.
      const answer = done() ?? (afterNews ? await afterNews() : undefined);
      if (answer !== undefined || due) {
        CancellationScope.current().cancel();
        return answer;
      }
    }
  });
}
