import { createHash } from 'node:crypto';
import { canonicalJsonFor, type Canonicalization } from '../util/canonical-json';
import type { Database } from './database';

/**
 * The case's audit log: every entry carries the hash of the one before it, so editing, removing
 * or reordering an entry breaks the chain from there on. Appends are serialized per case.
 */

export const genesisHash = '0'.repeat(64);

export interface AuditEntry {
  caseId: string;
  key: string;
  at: string;
  kind: string;
  content: Record<string, unknown>;
  /** How the entry is hashed: RFC 8785; absent on entries written before, hashed with the legacy canonical JSON. */
  canonicalization?: Canonicalization;
}

export function entryHash(prevHash: string, seq: number, entry: AuditEntry): string {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${canonicalJsonFor(entry.canonicalization)(entry)}`).digest('hex');
}

/** Appends an entry (once per key: a retried write appends nothing), hashed per RFC 8785. Call inside a transaction. */
export async function appendAudit(tx: Database, given: AuditEntry): Promise<void> {
  // The entry as it will read back from the database: JSON (a Date its string, undefined left out), then hashed.
  const entry = { ...(JSON.parse(JSON.stringify(given)) as AuditEntry), canonicalization: 'rfc8785' as const };
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [entry.caseId]);
  // Whether the key is there, and the chain's last entry, in one round trip (after the lock: a statement reads as of its start).
  const [found] = await tx.query<{ present: boolean; seq: number | null; hash: string | null }>(
    `select exists (select 1 from audit_log where case_id = $1 and entry_key = $2) as present, last.seq, last.hash
       from (select 1) as one left join lateral (select seq, hash from audit_log where case_id = $1 order by seq desc limit 1) as last on true`,
    [entry.caseId, entry.key],
  );
  if (found?.present) return;
  const seq = (found?.seq ?? 0) + 1;
  const prevHash = found?.hash ?? genesisHash;
  await tx.query('insert into audit_log (case_id, seq, entry_key, entry, prev_hash, hash) values ($1, $2, $3, $4, $5, $6)', [
    entry.caseId,
    seq,
    entry.key,
    JSON.stringify(entry),
    prevHash,
    entryHash(prevHash, seq, entry),
  ]);
}

export type Verification = { intact: true; entries: number } | { intact: false; entries: number; firstBroken: { seq: number; key: string; reason: string } };

export async function verifyAudit(db: Database, caseId: string): Promise<Verification> {
  const rows = await db.query<{ seq: number; entry_key: string; entry: AuditEntry; prev_hash: string; hash: string }>(
    'select seq, entry_key, entry, prev_hash, hash from audit_log where case_id = $1 order by seq',
    [caseId],
  );
  let expectedPrev = genesisHash;
  for (const [index, row] of rows.entries()) {
    const broken = (reason: string): Verification => ({ intact: false, entries: rows.length, firstBroken: { seq: row.seq, key: row.entry_key, reason } });
    if (row.seq !== index + 1) return broken(`entry #${index + 1} is missing (found #${row.seq} in its place)`);
    if (row.prev_hash !== expectedPrev) return broken('it does not follow the entry before it (previous hash differs)');
    if (row.entry.key !== row.entry_key || row.entry.caseId !== caseId) return broken('its key or case was changed');
    if (entryHash(row.prev_hash, row.seq, row.entry) !== row.hash) return broken('its content was changed (hash differs)');
    expectedPrev = row.hash;
  }
  return { intact: true, entries: rows.length };
}
