import { isApprover, type CaseStatus, type Decision, type DecisionInput, type Plan, type Policy } from './shared';

/** The rules a decision must pass, shared by the update's validator and the signal's handler. */

export interface DecisionContext {
  status: CaseStatus;
  plan?: Plan | undefined;
  decisions: Decision[];
  policy: Policy;
}

export function approvalsRequired(plan: Plan | undefined, policy: Policy): number {
  return policy.fourEyes && plan?.actions.some((action) => action.destructive) ? 2 : 1;
}

/** Why this decision cannot be accepted now; undefined when it can. */
export function refusalReason(input: DecisionInput, context: DecisionContext): string | undefined {
  if (input === null || typeof input !== 'object') return 'a decision must be {decision, approver, reason, planHash}';
  if (!['approve', 'reject', 'close', 'watch'].includes(input.decision)) return `decision must be "approve", "reject", "close" or "watch", not ${JSON.stringify(input.decision)}`;
  if (typeof input.approver !== 'string' || !isApprover(context.policy, input.approver)) {
    return `${JSON.stringify(String(input.approver)).slice(0, 80)} is not an authorized approver for this case`;
  }
  if (context.status !== 'awaiting-decision' && context.status !== 'escalated' && context.status !== 'watching') {
    return context.decisions.some((d) => d.decision === 'reject') || context.status !== 'investigating'
      ? `the case is already decided (status: ${context.status})`
      : 'no decision is pending yet: the investigation is still running';
  }
  const plan = context.plan;
  if (!plan) return 'no plan to decide on';
  if (input.planHash !== plan.hash) {
    return `stale plan: the decision names plan ${String(input.planHash).slice(0, 12)}, the current plan is ${plan.hash.slice(0, 12)}`;
  }
  if ((input.decision === 'close' || input.decision === 'watch') && plan.actions.some((action) => action.destructive)) {
    return `"${input.decision}" decides a plan with no containment; this plan contains (${plan.actions.filter((a) => a.destructive).map((a) => a.action).join(', ')}): approve or reject it`;
  }
  if ((input.decision === 'reject' || input.decision === 'close') && !(typeof input.reason === 'string' && input.reason.trim() !== '')) return `a ${input.decision === 'reject' ? 'rejection' : 'close'} needs a reason`;
  const approver = input.approver.trim().toLowerCase();
  // Keeping a case under watch does not stop the same person closing it later.
  const earlier = decisionsOn(plan, context.decisions).filter((d) => d.approver.trim().toLowerCase() === approver && (input.decision === 'watch' || d.decision !== 'watch'));
  if (earlier.length > 0) {
    return approvalsRequired(plan, context.policy) > 1
      ? `four-eyes: ${input.approver} already approved this plan; a second, different approver is needed`
      : `${input.approver} already decided this case`;
  }
  return undefined;
}

/** Decisions name a plan: those on a plan that was since replaced count no more. */
export function decisionsOn(plan: Plan | undefined, decisions: Decision[]): Decision[] {
  return decisions.filter((d) => d.planHash === plan?.hash);
}

export function approvalsStillNeeded(plan: Plan | undefined, decisions: Decision[], policy: Policy): number {
  return Math.max(0, approvalsRequired(plan, policy) - new Set(decisionsOn(plan, decisions).filter((d) => d.decision === 'approve').map((d) => d.approver.toLowerCase())).size);
}

export type Decided = 'approved' | 'rejected' | 'closed' | 'watching';

export function isDecided(decisions: Decision[], plan: Plan | undefined, policy: Policy): Decided | undefined {
  const on = decisionsOn(plan, decisions);
  if (on.some((d) => d.decision === 'reject')) return 'rejected';
  if (on.some((d) => d.decision === 'close')) return 'closed';
  if (on.some((d) => d.decision === 'watch')) return 'watching';
  return approvalsStillNeeded(plan, decisions, policy) === 0 ? 'approved' : undefined;
}
