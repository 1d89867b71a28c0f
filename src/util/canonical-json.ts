/**
 * The JSON Canonicalization Scheme (RFC 8785): the same value always gives the same text, which
 * is what a hash over it (a plan, an audit entry) needs. Object keys are sorted by their UTF-16
 * code units, numbers and strings are written as ECMAScript's JSON.stringify writes them, and the
 * value is read as JSON.stringify reads it (`toJSON`, so a Date is its ISO string; an undefined
 * property is left out, an undefined array element is null). What JSON cannot hold is refused: a
 * number that is not finite, a BigInt, a string with a lone surrogate, undefined on its own.
 *
 * Pure, with no Node import: the case workflow compares plans with it inside its sandbox.
 */
export function canonicalJson(value: unknown): string {
  const text = canonical(value, '');
  if (text === undefined) throw new TypeError('canonical JSON: undefined is not a JSON value');
  return text;
}

export type Canonicalization = 'rfc8785';

/**
 * What hashes were made with before RFC 8785: the same text for any value that came from JSON
 * (all that was ever hashed and stored), but a Date was `{}` and an undefined array element
 * nothing at all (`[1,]`, not JSON). Kept to verify what it hashed: records that name no
 * canonicalization.
 */
export function legacyCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(legacyCanonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${legacyCanonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The function a record's hash was made with: RFC 8785 when it says so, the legacy one otherwise. */
export function canonicalJsonFor(canonicalization: Canonicalization | undefined): (value: unknown) => string {
  return canonicalization === 'rfc8785' ? canonicalJson : legacyCanonicalJson;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text of one value, or undefined where JSON.stringify would leave the member out. */
function canonical(input: unknown, path: string): string | undefined {
  const value = typeof (input as { toJSON?: unknown } | null)?.toJSON === 'function' ? (input as { toJSON(key: string): unknown }).toJSON(path) : input;
  switch (typeof value) {
    case 'string':
      if (loneSurrogate.test(value)) throw new TypeError(`canonical JSON: a lone surrogate in the string at ${path || 'the top'}`);
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${value} at ${path || 'the top'} is not a JSON number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError(`canonical JSON: a BigInt at ${path || 'the top'} has no JSON form`);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((item, index) => canonical(item, String(index)) ?? 'null').join(',')}]`;
  const members: string[] = [];
  // Array.prototype.sort compares UTF-16 code units, as RFC 8785 orders keys.
  for (const key of Object.keys(value as object).sort()) {
    const member = canonical((value as Record<string, unknown>)[key], key);
    if (member !== undefined) members.push(`${canonical(key, key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}
