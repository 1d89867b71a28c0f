import { normalEmail } from './email';
import { isApprover, type CaseStatus, type Decision, type DecisionInput, type Plan, type Policy } from './shared';
import { bindingProblem, verifySignedDecision, type TrustedKey } from './signed-decision';

/** The rules a decision must pass, shared by the update's validator and the signal's handler. */

export interface DecisionContext {
  status: CaseStatus;
  plan?: Plan | undefined;
  decisions: Decision[];
  policy: Policy;
  /** Under the signed-decision rule: the keys a signature must verify with, and what it must be for. */
  authority?: { keys: readonly TrustedKey[]; caseId: string; now: number } | undefined;
}

/** A decision that passed, as it will be recorded: for a signed one, exactly what was signed. */
export type Judged = { accepted: DecisionInput & { authenticatedVia?: string } } | { refused: string; approver: string; /** Not the authority's decision for this case: a forgery, a replay, a tampered copy. */ unproven?: true };

/**
 * Judges a decision message. Under the signed-decision rule the message counts only for what the
 * authority signed: the signature must verify with a trusted key, be for this case and the plan
 * now pending, be in time and not used before, and every field the message repeats must
 * be what was signed. Then the case's own rules (refusalReason) apply to the signed decision.
 */
export function judgeDecision(input: unknown, context: DecisionContext): Judged {
  const claimed = String((input as Partial<DecisionInput> | null)?.approver ?? '').slice(0, 320);
  const authority = context.authority;
  if (!authority) {
    const reason = refusalReason(input as DecisionInput, context);
    return reason ? { refused: reason, approver: claimed } : { accepted: input as DecisionInput };
  }
  const verified = verifySignedDecision((input as Partial<DecisionInput> | null)?.signed, authority.keys, authority.now);
  if ('refused' in verified) return { refused: verified.refused, approver: claimed, unproven: true };
  const { claim } = verified;
  // Bound separately, so that the refusal names who signed it.
  const bound = bindingProblem(claim, { purpose: 'decision', caseId: authority.caseId });
  if (bound) return { refused: bound, approver: claim.approver, unproven: true };
  if (context.decisions.some((d) => d.signed && nonceOf(d.signed.claim) === claim.nonce)) return { refused: 'this signed decision was already used: each signature is good for one decision', approver: claim.approver, unproven: true };
  const approver = normalEmail(claim.approver);
  if (!approver) return { refused: `the signed approver ${JSON.stringify(claim.approver.slice(0, 80))} is not a normal e-mail address`, approver: claim.approver, unproven: true };
  const message = input as Partial<DecisionInput>;
  const signedDecision: DecisionInput & { authenticatedVia?: string } = {
    decision: claim.decision as DecisionInput['decision'],
    approver,
    planHash: claim.planHash,
    ...(claim.reason ? { reason: claim.reason } : {}),
    ...(claim.falsePositive === true ? { falsePositive: true } : {}),
    signed: message.signed!,
    authenticatedVia: claim.authenticatedVia,
  };
  for (const field of ['decision', 'planHash', 'reason', 'falsePositive'] as const) {
    if (message[field] !== undefined && message[field] !== signedDecision[field]) return { refused: `the decision's ${field} differs from what was signed`, approver, unproven: true };
  }
  if (message.approver !== undefined && normalEmail(message.approver) !== approver) return { refused: `the decision names ${JSON.stringify(String(message.approver).slice(0, 80))}, but ${approver} signed it`, approver, unproven: true };
  const reason = refusalReason(signedDecision, context);
  return reason ? { refused: reason, approver } : { accepted: signedDecision };
}

function nonceOf(claim: string): string | undefined {
  try {
    return (JSON.parse(claim) as { nonce?: string }).nonce;
  } catch {
    return undefined;
  }
}

export function approvalsRequired(plan: Plan | undefined, policy: Policy): number {
  return policy.fourEyes && plan?.actions.some((action) => action.destructive) ? 2 : 1;
}

/**
 * The refusal of a decision that came before the case waits for one. The plan records itself a
 * workflow task before the case opens its gate, so a decision on a plan just shown may meet it:
 * the console tries again for a moment when the record says the plan was presented.
 */
export const notPendingYet = 'no decision is pending yet: the investigation is still running';

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
      : notPendingYet;
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
  // Under signed decisions one person has one spelling (normalEmail); earlier cases keep theirs.
  const same = context.authority ? (a: string) => normalEmail(a) ?? a.trim().toLowerCase() : (a: string) => a.trim().toLowerCase();
  const approver = same(input.approver);
  // Keeping a case under watch does not stop the same person closing it later.
  const earlier = decisionsOn(plan, context.decisions).filter((d) => same(d.approver) === approver && (input.decision === 'watch' || d.decision !== 'watch'));
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
