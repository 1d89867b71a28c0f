import { ed25519 } from '@noble/curves/ed25519';
import { hexToBytes, utf8ToBytes } from '@noble/curves/utils';
import type { DecisionKind } from './case-words';

/**
 * A decision's proof of who made it. The decision authority (the API server) authenticates the
 * person, then signs a claim naming exactly what they decided: which case, which workflow run,
 * which plan, what, why, when, until when, and a nonce. Workers trust the authority's public
 * keys from their own configuration and check the signature in the workflow itself, so nobody
 * who can only reach Temporal (a signal, an update, the UI) can decide as somebody else.
 *
 * Pure and synchronous: it runs in the workflow sandbox (update validators do no I/O), in the
 * server that signs and in `case verify`.
 */

export type ClaimPurpose = 'decision' | 'revert';

export interface DecisionClaim {
  v: 1;
  purpose: ClaimPurpose;
  caseId: string;
  /** The case's workflow and run when it was decided (for a revert, the revert workflow): for the reader; the case ID is what binds. */
  workflowId: string;
  runId: string;
  /** The plan decided on; empty for a revert. */
  planHash: string;
  decision: DecisionKind | 'revert';
  reason?: string;
  falsePositive?: boolean;
  /** A revert that only says what it would do. */
  dryRun?: boolean;
  /** Who decided, normalized once when they were authenticated. */
  approver: string;
  /** How the authority established who they are. */
  authenticatedVia: string;
  at: string;
  expiresAt: string;
  nonce: string;
}

/** The claim as the exact text that was signed, so verifying never depends on re-serializing it. */
export interface SignedDecision {
  keyId: string;
  claim: string;
  /** Ed25519 signature, hex. */
  signature: string;
}

/** An authority key a worker trusts: Ed25519, the raw 32-byte public key in hex. */
export interface TrustedKey {
  id: string;
  publicKey: string;
}

/** Signatures cover this prefix too, so a signature made for anything else never passes as a decision. */
const domain = 'scc-responder decision v1\n';

export function signedText(claim: string): Uint8Array {
  return utf8ToBytes(domain + claim);
}

/** How long a signed decision stays good for: enough to reach a case, too short to keep. */
export const claimLifetimeMs = 10 * 60_000;
/** A claim dated this far ahead of the workflow's clock is refused: clocks differ by less. */
const allowedSkewMs = 5 * 60_000;
const maxClaimChars = 8192;

export type Verified = { claim: DecisionClaim; keyId: string } | { refused: string };

/** Checks the signature, the claim's shape and its time; what it is for is the caller's to check. */
export function verifySignedDecision(signed: unknown, keys: readonly TrustedKey[], now: number): Verified {
  if (signed === null || typeof signed !== 'object') return { refused: 'the decision is not signed by the decision authority' };
  const { keyId, claim, signature } = signed as Partial<SignedDecision>;
  if (typeof keyId !== 'string' || typeof claim !== 'string' || typeof signature !== 'string') return { refused: 'the signed decision is malformed (keyId, claim and signature are needed)' };
  if (claim.length > maxClaimChars) return { refused: `the signed claim is too long (${claim.length} characters)` };
  if (keys.length === 0) return { refused: 'no decision authority key is configured for the workers (decisionAuthority.keys), so no decision can be verified' };
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { refused: `the decision is signed with key ${JSON.stringify(keyId.slice(0, 40))}, which this case does not trust (it trusts ${keys.map((k) => k.id).join(', ') || 'no key'})` };
  if (!/^[0-9a-f]{128}$/i.test(signature)) return { refused: 'the signature is malformed (64 bytes of hex are needed)' };
  let good: boolean;
  try {
    // Strict RFC 8032 verification: no second signature for the same claim.
    good = ed25519.verify(hexToBytes(signature), signedText(claim), hexToBytes(key.publicKey), { zip215: false });
  } catch {
    good = false;
  }
  if (!good) return { refused: `the signature does not verify with key ${key.id}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(claim);
  } catch {
    return { refused: 'the signed claim is not JSON' };
  }
  const shape = claimShapeProblem(parsed);
  if (shape) return { refused: `the signed claim is malformed: ${shape}` };
  const c = parsed as DecisionClaim;
  if (now > Date.parse(c.expiresAt)) return { refused: `the signed decision expired at ${c.expiresAt}` };
  if (Date.parse(c.at) > now + allowedSkewMs) return { refused: `the signed decision is dated ${c.at}, ahead of the case's clock` };
  return { claim: c, keyId: key.id };
}

function claimShapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const c = value as Record<string, unknown>;
  if (c.v !== 1) return 'unknown version';
  if (c.purpose !== 'decision' && c.purpose !== 'revert') return 'unknown purpose';
  for (const field of ['caseId', 'workflowId', 'runId', 'planHash', 'approver', 'authenticatedVia', 'at', 'expiresAt', 'nonce'] as const) {
    if (typeof c[field] !== 'string') return `${field} is missing`;
  }
  if (!['approve', 'reject', 'close', 'watch', 'revert'].includes(c.decision as string)) return 'unknown decision';
  if (c.reason !== undefined && typeof c.reason !== 'string') return 'reason is not text';
  if (Number.isNaN(Date.parse(c.at as string)) || Number.isNaN(Date.parse(c.expiresAt as string))) return 'a time is not a date';
  if ((c.nonce as string).length < 16) return 'the nonce is too short';
  return undefined;
}

/**
 * What a signature must be for to count here: this case, and this plan. The case ID names one run
 * of a subject's workflow (it is derived from the run's first ID), so a decision for an earlier or
 * later case on the same subject is another case's. It is what the history itself fixes: a
 * replayer may run the history under another workflow or run ID, never another first run.
 */
export interface ClaimBinding {
  purpose: ClaimPurpose;
  caseId: string;
  planHash?: string;
}

/** A signature checked and bound in one: valid with a trusted key at `now`, and made for this purpose, case (and plan). */
export function verifySignedFor(signed: unknown, keys: readonly TrustedKey[], now: number, binding: ClaimBinding): Verified {
  const verified = verifySignedDecision(signed, keys, now);
  if ('refused' in verified) return verified;
  const bound = bindingProblem(verified.claim, binding);
  return bound ? { refused: bound } : verified;
}

/** When a recorded signature is judged: as of the time it was recorded as decided (a signature in time then is still good evidence). */
export function asRecordedAt(at: string): number {
  const time = Date.parse(at);
  return Number.isNaN(time) ? Date.now() : time;
}

/** Why a verified claim is not for this place; undefined when it is. */
export function bindingProblem(claim: DecisionClaim, binding: ClaimBinding): string | undefined {
  if (claim.purpose !== binding.purpose) return `the signature authorizes a ${claim.purpose}, not a ${binding.purpose}`;
  if (claim.caseId !== binding.caseId) return `the signature was made for case ${claim.caseId.slice(0, 40)}, not ${binding.caseId}`;
  if (binding.planHash !== undefined && claim.planHash !== binding.planHash) return `stale plan: the decision names plan ${claim.planHash.slice(0, 12)}, the current plan is ${binding.planHash.slice(0, 12)}`;
  return undefined;
}
