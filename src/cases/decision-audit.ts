import { normalEmail } from '../workflows/email';
import { asRecordedAt, verifySignedFor, type TrustedKey } from '../workflows/signed-decision';

/**
 * `case verify` for decisions: every decision and revert request the audit log holds is checked
 * again against the authority's keys (retired ones included: they signed what they signed), and
 * what the record says was decided must be what was signed.
 */

export interface RecordedDecision {
  /** The audit entry's key, which names the decision to a reader. */
  key: string;
  kind: 'decision' | 'revert-requested';
  /** When it was recorded as decided: a signature is judged as of then. */
  at: string;
  detail: Record<string, unknown>;
}

export type DecisionCheck = { key: string; who: string; verdict: 'verified'; keyId: string } | { key: string; who: string; verdict: 'by-policy' | 'unsigned-before-signatures' } | { key: string; who: string; verdict: 'broken'; reason: string };

/** Checks one recorded decision; `signaturesRequired` when the case ran under the signed-decision rule. */
export function checkRecordedDecision(caseId: string, entry: RecordedDecision, keys: readonly TrustedKey[], signaturesRequired: boolean): DecisionCheck {
  const detail = entry.detail;
  const who = String((entry.kind === 'decision' ? detail.approver : detail.by) ?? '');
  if (entry.kind === 'decision' && (detail.via === 'policy' || detail.via === 'campaign')) return { key: entry.key, who, verdict: 'by-policy' };
  if (detail.signed === undefined) {
    return signaturesRequired ? { key: entry.key, who, verdict: 'broken', reason: 'it carries no signature, and this case took only signed decisions' } : { key: entry.key, who, verdict: 'unsigned-before-signatures' };
  }
  const verified = verifySignedFor(detail.signed, keys, asRecordedAt(entry.at), { purpose: entry.kind === 'decision' ? 'decision' : 'revert', caseId });
  if ('refused' in verified) return { key: entry.key, who, verdict: 'broken', reason: verified.refused };
  const { claim } = verified;
  if (normalEmail(claim.approver) !== who) return { key: entry.key, who, verdict: 'broken', reason: `the record names ${who}, the signature ${claim.approver}` };
  if (entry.kind === 'decision') {
    for (const field of ['decision', 'planHash', 'reason'] as const) {
      if ((detail[field] ?? undefined) !== (claim[field] || undefined)) return { key: entry.key, who, verdict: 'broken', reason: `the record's ${field} is not what was signed` };
    }
  } else if ((detail.reason ?? '') !== (claim.reason ?? '') || (detail.dryRun === true) !== (claim.dryRun === true)) {
    return { key: entry.key, who, verdict: 'broken', reason: 'the recorded revert is not what was signed' };
  }
  return { key: entry.key, who, verdict: 'verified', keyId: verified.keyId };
}
