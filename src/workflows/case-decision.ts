import { canonicalJson } from '../util/canonical-json';
import { awaitDecision, heldByCampaign, watch, type Verdict } from './case-gate';
import { makePlan, notice, presentPlan, type Case } from './case-steps';
import type { Plan } from './shared';

/** A world that keeps changing under the plan is a case for a human, not a loop. */
const maxReplans = 3;

export type FinalVerdict = Exclude<Verdict, 'watching'> | 'plan-kept-changing';

/**
 * The human decision on a plan, to its end. An approval names one plan: just before acting the
 * plan is made again, and one that changed (the pod replaced, traffic moved) goes back for its own
 * decision, three times at most. A plan that contains nothing may be kept under watch: a finding
 * that joins makes a new plan for a new decision. `alongside` goes with the first plan's notice.
 */
export async function decide(c: Case, first: Plan, alongside?: () => Promise<void>): Promise<{ verdict: FinalVerdict; plan: Plan }> {
  const { state, journal } = c;
  let plan = first;
  // A case of the campaign put a workload action in place while this one waited: planned again, the
  // plan may now be the campaign's containment, in place, which decides it; otherwise it waits on.
  const containedByCampaign = async (): Promise<Verdict | undefined> => {
    if (!state.campaignActedSinceAsked() || !state.patches.has('campaign-acted-replans')) return undefined;
    const fresh = await makePlan(c);
    if (!heldByCampaign(fresh)) return undefined;
    await journal.write([{ type: 'event', key: `plan-changed:${state.plansPresented}`, at: new Date().toISOString(), kind: 'plan-changed', detail: { previousHash: plan.hash, hash: fresh.hash, why: 'a campaign action this plan holds is in place' } }]);
    plan = fresh;
    await presentPlan(c, fresh, false);
    state.decideByCampaign(fresh);
    await journal.write();
    return 'approved';
  };
  const ask = (asked: Plan, also?: () => Promise<void>) => awaitDecision(state, journal, asked, (event, p) => notice(c, event, p), also, containedByCampaign);
  let verdict = await ask(plan, alongside);
  for (let replans = 0; ; ) {
    if (verdict === 'watching') {
      await journal.setStatus('watching');
      const woke = await watch(state, journal, plan);
      if (woke !== 'finding') return { verdict: woke === 'watching' ? 'expired' : woke, plan };
    } else if (verdict !== 'approved' || plan.dryRun || !plan.actions.some((a) => a.destructive)) {
      return { verdict, plan };
    }
    const fresh = await makePlan(c);
    if (verdict === 'approved') {
      if (canonicalJson(fresh.actions) === canonicalJson(plan.actions)) return { verdict, plan };
      if (++replans > maxReplans) return { verdict: 'plan-kept-changing', plan: fresh };
    }
    await journal.write([{ type: 'event', key: `plan-changed:${state.plansPresented}`, at: new Date().toISOString(), kind: 'plan-changed', detail: { approvedHash: plan.hash, hash: fresh.hash, replans } }]);
    plan = fresh;
    await presentPlan(c, plan, false);
    verdict = await ask(plan);
  }
}
