import { ActivityFailure, ApplicationFailure, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { activityProfiles } from './activity-profiles';
import { normalEmail } from './email';
import { isApprover, type ActionResult } from './shared';
import { verifySignedFor, type SignedDecision } from './signed-decision';

const record = proxyActivities<CaseActivities>(activityProfiles.record);
const mutate = proxyActivities<CaseActivities>(activityProfiles.mutation);

export interface RevertInput {
  caseId: string;
  requestedBy: string;
  reason: string;
  /** Who may revert: the policy's approvers. */
  approvers: string[];
  dryRun: boolean;
  /** The decision authority's signature on this revert: who asked, why, and whether only to try. */
  signed?: SignedDecision;
}

export interface RevertOutcome {
  caseId: string;
  requestedBy: string;
  results: ActionResult[];
  irreversible: { action: string; target: string; reason: string }[];
}

/**
 * Undoes a closed case's containment, newest action first, by someone the policy lets decide.
 * Every revert is recorded in the case's audit chain as the apply was; actions that cannot be
 * undone (a deleted pod) are listed, not pretended.
 */
export async function revertCase(input: RevertInput): Promise<RevertOutcome> {
  // Reverts started since signed decisions do what the authority signed, as whom it signed; earlier ones replay with the name they were given.
  const asked = patched('signed-reverts') ? await signedRevert(input) : { by: String(input.requestedBy ?? '').trim().toLowerCase(), reason: input.reason, dryRun: input.dryRun };
  const { by } = asked;
  input = { ...input, requestedBy: by, reason: asked.reason, dryRun: asked.dryRun };
  if (!isApprover({ approvers: input.approvers }, by)) throw ApplicationFailure.nonRetryable(`${JSON.stringify(by).slice(0, 80)} is not authorized to revert case ${input.caseId}`, 'Unauthorized');
  if (!(typeof input.reason === 'string' && input.reason.trim() !== '')) throw ApplicationFailure.nonRetryable('a revert needs a reason', 'MissingReason');
  const { runId } = workflowInfo();
  const candidates = await record.revertableActions({ caseId: input.caseId });
  await record.recordEvent({
    caseId: input.caseId,
    key: `revert-requested:${runId}`,
    at: new Date().toISOString(),
    kind: 'revert-requested',
    detail: { by, reason: input.reason, dryRun: input.dryRun, ...(input.signed ? { signed: input.signed } : {}), revertable: candidates.revertable.map((a) => a.action), irreversible: candidates.irreversible },
  });
  const results: ActionResult[] = [];
  for (const action of [...candidates.revertable].reverse()) {
    try {
      results.push(await mutate.revertAction({ caseId: input.caseId, action, dryRun: input.dryRun }));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      results.push({ action: action.action, target: JSON.stringify(action.target), status: 'failed', detail: error.cause?.message ?? error.message, at: new Date().toISOString() });
    }
  }
  await record.recordEvent({ caseId: input.caseId, key: `reverted:${runId}`, at: new Date().toISOString(), kind: 'revert', outcome: results.every((r) => r.status !== 'failed' && r.status !== 'refused') ? 'ok' : 'incomplete', detail: { by, results } });
  return { caseId: input.caseId, requestedBy: by, results, irreversible: candidates.irreversible };
}

/** The revert the authority signed for this case and this revert workflow, or a refusal that says why not. */
async function signedRevert(input: RevertInput): Promise<{ by: string; reason: string; dryRun: boolean }> {
  const rules = await record.decisionRules();
  const verified = verifySignedFor(input.signed, rules.keys, Date.now(), { purpose: 'revert', caseId: input.caseId });
  const refuse = (reason: string) => ApplicationFailure.nonRetryable(`revert of ${input.caseId} refused: ${reason}`, 'DecisionRefused');
  if ('refused' in verified) throw refuse(verified.refused);
  const { claim } = verified;
  const by = normalEmail(claim.approver);
  if (!by) throw refuse(`the signed approver ${JSON.stringify(claim.approver.slice(0, 80))} is not a normal e-mail address`);
  return { by, reason: claim.reason ?? '', dryRun: claim.dryRun === true };
}
