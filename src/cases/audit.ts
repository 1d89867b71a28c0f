import { createHash } from 'node:crypto';
import { canonicalJsonFor, type Canonicalization } from '../util/canonical-json';
import type { Database } from './database';
import { locksHeldBy } from './transaction-locks';

/**
 * The case's audit log: every entry carries the hash of the one before it, so editing, removing
 * or reordering an entry breaks the chain from there on. Two appends to one case never take one
 * place in it: the chain's key (case, seq) refuses the second, and its write is made again
 * (`isChainRace`), from the chain's new end. Transactions take the case's lock, so that they do
 * not race each other, and waste their work, as often as a case's steps end together.
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

/** The write an entry records (a timeline event, an evidence row): `insert ... on conflict do nothing returning ...`, which returns nothing when the row was there. */
export interface RecordedWrite {
  sql: string;
  params: unknown[];
}

/**
 * Appends an entry (once per key: a retried write appends nothing), hashed per RFC 8785. One
 * statement finds the chain's end, leaves out a key that is there already and hashes the entry
 * in the database; `verifyAudit` recomputes the same hash in JavaScript. With `after`, the same
 * statement makes the write the entry records, and appends only if it wrote. A statement alone
 * takes no lock and needs no transaction: one round trip where it took four (begin, lock,
 * insert, commit). A write that lost the race for the chain's end fails whole, and the database
 * makes it again: one statement alone cheaply; a transaction, which would redo all of its work,
 * takes the case's lock once, so that only a lone statement can beat it.
 */
export async function appendAudit(tx: Database, given: AuditEntry, after?: RecordedWrite): Promise<void> {
  // The entry as it will read back from the database: JSON (a Date its string, undefined left out), then hashed.
  const entry = { ...(JSON.parse(JSON.stringify(given)) as AuditEntry), canonicalization: 'rfc8785' as const };
  if (tx.inTransaction) await lockChain(tx, entry.caseId);
  const offset = after?.params.length ?? 0;
  const $ = (n: number) => `$${n + offset}`;
  await tx.query(
    `${after ? `with recorded as (${after.sql}) ` : ''}insert into audit_log (case_id, seq, entry_key, entry, prev_hash, hash)
     select ${$(1)}, chain.seq, ${$(2)}, ${$(3)}::jsonb, chain.prev, encode(sha256(convert_to(chain.prev || E'\\n' || chain.seq::text || E'\\n' || ${$(4)}::text, 'UTF8')), 'hex')
       from (select coalesce(last.seq, 0) + 1 as seq, coalesce(last.hash, ${$(5)}::text) as prev
               from (select 1) as one left join lateral (select seq, hash from audit_log where case_id = ${$(1)} order by seq desc limit 1) as last on true) as chain
      where not exists (select 1 from audit_log where case_id = ${$(1)} and entry_key = ${$(2)})${after ? ' and exists (select 1 from recorded)' : ''}`,
    [...(after?.params ?? []), entry.caseId, entry.key, JSON.stringify(entry), canonicalJsonFor(entry.canonicalization)(entry), genesisHash],
  );
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

/**
 * Takes the case's chain lock for the rest of the transaction, once however often asked. A
 * transaction that writes to a case takes it before anything else of the case: every append
 * touches the case's row (the change feed's trigger), so one that wrote the row first and then
 * waited for the lock, while another held the lock and waited for the row, deadlocked.
 */
export async function lockChain(tx: Database, caseId: string): Promise<void> {
  const locked = locksHeldBy(tx, 'audit-chain');
  if (locked.has(caseId)) return;
  // Its own statement: a statement reads as of its start, and what follows must see what the lock waited for.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [caseId]);
  locked.add(caseId);
}

/** Constraints a concurrent append meets: another write took the chain's next place (or the same entry) first. */
const chainConstraints = new Set(['audit_log_pkey', 'audit_log_once']);

/**
 * Whether a write failed only because another reached the case's chain first (or a deadlock
 * between two such writes): made again, it appends after the other, or finds its entry there.
 */
export function isChainRace(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return (code === '23505' && constraint !== undefined && chainConstraints.has(constraint)) || code === '40P01';
}
