/** Pure, for the workflow sandbox too: the workflow applies the same rule to what was signed. */

const emailPattern = /^([^\s@+]{1,64})(?:\+[^\s@]*)?@([a-z0-9.-]{1,253})$/;

/**
 * One person, one spelling, decided once at authentication: compatibility forms folded (NFKC),
 * spaces and case dropped, a `+tag` removed from the mailbox. What is left must be ASCII: a
 * letter from another script that looks the same would be a second person to a comparison and
 * the same one to a reader, so such an address is not admitted at all.
 */
export function normalEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const folded = value.normalize('NFKC').trim().toLowerCase();
  if (!/^[\x21-\x7e]+$/.test(folded)) return undefined;
  const match = emailPattern.exec(folded);
  return match ? `${match[1]}@${match[2]}` : undefined;
}
