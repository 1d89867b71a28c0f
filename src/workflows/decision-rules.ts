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
  if (input.decision !== 'approve' && input.decision !== 'reject') return `decision must be "approve" or "reject", not ${JSON.stringify(input.decision)}`;
  if (typeof input.approver !== 'string' || !isApprover(context.policy, input.approver)) {
    return `${JSON.stringify(String(input.approver)).slice(0, 80)} is not an authorized approver for this case`;
  }
  if (context.status !== 'awaiting-decision' && context.status !== 'escalated') {
    return context.decisions.some((d) => d.decision === 'reject') || context.status !== 'investigating'
      ? `the case is already decided (status: ${context.status})`
      : 'no decision is pending yet: the investigation is still running';
  }
  const plan = context.plan;
  if (!plan) return 'no plan to decide on';
  if (input.planHash !== plan.hash) {
    return `stale plan: the decision names plan ${String(input.planHash).slice(0, 12)}, the current plan is ${plan.hash.slice(0, 12)}`;
  }
  if (input.decision === 'reject' && !(typeof input.reason === 'string' && input.reason.trim() !== '')) return 'a rejection needs a reason';
  const approver = input.approver.trim().toLowerCase();
  if (decisionsOn(plan, context.decisions).some((d) => d.approver.trim().toLowerCase() === approver)) {
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

export function isDecided(decisions: Decision[], plan: Plan | undefined, policy: Policy): 'approved' | 'rejected' | undefined {
  if (decisionsOn(plan, decisions).some((d) => d.decision === 'reject')) return 'rejected';
  return approvalsStillNeeded(plan, decisions, policy) === 0 ? 'approved' : undefined;
}
