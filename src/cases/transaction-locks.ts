import type { Database } from './database';

/** What each open transaction holds a lock on already, by kind of lock: advisory locks last until it ends. */
const held = new WeakMap<Database, Map<string, Set<string>>>();

/**
 * The keys of one kind whose lock the transaction holds: a lock it took already is asked for
 * no second time, which would be no wait but a round trip to the store.
 */
export function locksHeldBy(tx: Database, kind: 'audit-chain' | 'campaign-join'): Set<string> {
  let kinds = held.get(tx);
  if (!kinds) held.set(tx, (kinds = new Map()));
  let keys = kinds.get(kind);
  if (!keys) kinds.set(kind, (keys = new Set()));
  return keys;
}
