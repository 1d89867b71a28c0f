import type { ActionRegistry } from '../actions/registry';
import type { CaseRow } from '../cases/case-store';
import type { RecordedDecision } from '../cases/decision-audit';
import { canonicalJson } from '../util/canonical-json';
import { playbookFor } from '../findings/categories';
import { normalEmail } from '../workflows/email';
import type { Decision, DecisionRules, Plan, PlannedAction } from '../workflows/shared';
import { asRecordedAt, verifySignedFor } from '../workflows/signed-decision';
import { planHash } from './plan';

/**
 * The last check before a change to the cloud, in the activity itself: whoever can reach the
 * workers' task queue (a workflow of its own, a worker of its own answering a case's tasks) can
 * ask for any action, so the worker applies a destructive one only when the case record holds
 * the plan it is part of and the approvals that plan needs, each signed by the decision
 * authority for that case and plan. Cases recorded before signed decisions keep their rule (the
 * database marks them; a row written since cannot be marked so).
 */
export function approvalProblem(record: CaseRow | undefined, action: PlannedAction, rules: DecisionRules, registry: ActionRegistry): string | undefined {
  const module = registry.find(action.action);
  if (!module) return `this worker has no action named "${action.action}"`;
  if (!module.destructive) return undefined;
  if (!record) return 'no case record holds an approved plan for it';
  if (!record.decisions_signed) return undefined;
  const plan = record.plan as Plan | null;
  if (!plan || !record.plan_hash) return `case ${record.id} has no plan on record`;
  const { actions: planned, findings, notes, advice, dryRun, blastRadius, manualSteps, campaignHeld, canonicalization } = plan;
  if (planHash({ actions: planned, findings, notes, advice, dryRun, blastRadius, manualSteps, ...(campaignHeld ? { campaignHeld } : {}), canonicalization }) !== record.plan_hash || plan.hash !== record.plan_hash) return `the plan on record for case ${record.id} does not match its hash`;
  if (plan.dryRun) return `the plan of case ${record.id} is a dry run`;
  if (!planned.some((p) => canonicalJson(p) === canonicalJson(action))) return `it is not part of the plan approved for case ${record.id}`;
  const decisions = (record.decision ?? []).filter((d) => d.planHash === record.plan_hash && d.decision === 'approve');
  if (decisions.some((d) => d.via === 'policy') && autoContainAllows(record, rules)) return undefined;
  // Contained by the campaign: the action is only checked, never applied (heldOnly).
  if (decisions.some((d) => d.via === 'campaign') && heldOnly(record, action)) return undefined;
  const approvers = new Set(decisions.flatMap((d) => (provenApprover(record.id, d, rules) ? [provenApprover(record.id, d, rules)!] : [])));
  const needed = rules.fourEyes ? 2 : 1;
  return approvers.size >= needed ? undefined : `case ${record.id} holds ${approvers.size} signed approval(s) of plan ${record.plan_hash.slice(0, 12)}, and ${needed} are needed`;
}

/**
 * Whether the case's plan holds this action as its campaign's, in place already: then acting on
 * it only checks that it still holds. No person approved it for this case, so it is never applied.
 */
export function heldOnly(record: CaseRow | undefined, action: PlannedAction): boolean {
  const plan = record?.plan as Plan | null | undefined;
  return (plan?.campaignHeld?.actions ?? []).some((i) => plan!.actions[i] !== undefined && canonicalJson(plan!.actions[i]) === canonicalJson(action));
}

/** Who signed this approval, when the signature is the authority's, for this case and this plan. */
function provenApprover(caseId: string, decision: Decision, rules: DecisionRules): string | undefined {
  const verified = verifySignedFor(decision.signed, rules.keys, asRecordedAt(decision.at), { purpose: 'decision', caseId, planHash: decision.planHash });
  return 'refused' in verified || verified.claim.decision !== 'approve' ? undefined : normalEmail(verified.claim.approver);
}

function autoContainAllows(record: CaseRow, rules: DecisionRules): boolean {
  const allowed = rules.autoContain;
  return allowed !== null && allowed.playbooks.includes(playbookFor(record.category).id) && allowed.severities.includes(record.severity as never);
}

/**
 * The same for undoing a containment: the case record must hold a revert request the authority
 * signed for this case, and the action must be one the case applied from its plan.
 */
export function revertProblem(record: CaseRow | undefined, requests: RecordedDecision[], action: PlannedAction, rules: DecisionRules): string | undefined {
  if (!record) return 'no case record holds it';
  if (!record.decisions_signed) return undefined;
  if (!(record.plan?.actions ?? []).some((p) => canonicalJson(p) === canonicalJson(action))) return `it is not part of the plan of case ${record.id}`;
  const signed = requests.some((r) => {
    if (r.kind !== 'revert-requested' || r.detail.signed === undefined || r.detail.dryRun === true) return false;
    const verified = verifySignedFor(r.detail.signed, rules.keys, asRecordedAt(r.at), { purpose: 'revert', caseId: record.id });
    return !('refused' in verified) && verified.claim.dryRun !== true;
  });
  return signed ? undefined : `case ${record.id} holds no revert request signed by the decision authority`;
}
