import { FindingError, formatPath, type PathSegment } from './errors';
import { intakeLimits } from './limits';

/**
 * The three shapes one finding arrives in differ only on the wire:
 * - Pub/Sub NotificationMessage: proto3 JSON (camelCase, RFC 3339 strings, enum names, int64 as strings);
 * - the Node client's listFindings objects: timestamps as {seconds, nanos}, int64 as Long or string,
 *   `google.protobuf.Value` structs ({stringValue}, {kind, stringValue}) in sourceProperties;
 * - the console's JSON tab: snake_case keys (resource.project_display_name).
 * `canonicalize` rewrites all three to proto3 JSON; the decoders read the scalar encodings.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Fields whose keys are data (kept as sent) while their values are messages. */
const mapFields = new Set(['contacts', 'externalSystems', 'marks', 'labels', 'annotations']);
/** Fields whose whole subtree is free-form data (kept as sent, Value structs unwrapped). */
const freeFields = new Set(['sourceProperties']);
/** Keys that name no field of any SCC message and would only matter to a careless copier. */
const ignoredKeys = new Set(['__proto__', 'constructor', 'prototype']);

export function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export interface Canonical {
  value: Json;
  /** The sender's spelling of a canonical path, for error messages. */
  spell(path: readonly PathSegment[]): string;
}

export function canonicalize(input: unknown): Canonical {
  const spellings = new WeakMap<object, Map<string, string>>();
  const value = rewrite(input, [], 0, 'message', spellings);
  return {
    value,
    spell(path) {
      const spelled: PathSegment[] = [];
      let node: unknown = value;
      for (const segment of path) {
        const original = isObject(node) && typeof segment === 'string' ? spellings.get(node)?.get(segment) : undefined;
        spelled.push(original ?? segment);
        node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[segment] : undefined;
      }
      return formatPath(spelled);
    },
  };
}

type Mode = 'message' | 'map' | 'free';

function rewrite(
  input: unknown,
  path: PathSegment[],
  depth: number,
  mode: Mode,
  spellings: WeakMap<object, Map<string, string>>,
): Json {
  if (depth > intakeLimits.jsonDepth) {
    throw new FindingError(formatPath(path), `nested deeper than ${intakeLimits.jsonDepth} levels`);
  }
  if (typeof input === 'string') return checkedText(input, path);
  if (input === null || typeof input === 'boolean') return input;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new FindingError(formatPath(path), 'must be a finite number');
    return input;
  }
  if (Array.isArray(input)) {
    return input.map((item, index) => rewrite(item, [...path, index], depth + 1, mode, spellings));
  }
  if (!isObject(input)) {
    throw new FindingError(formatPath(path), `unsupported value of type ${typeof input}`);
  }
  if (mode === 'free') return unwrapValue(input, path, depth, spellings);

  const out: Record<string, Json> = {};
  const spelledAs = new Map<string, string>();
  for (const [key, child] of Object.entries(input)) {
    // proto3 JSON allows null for "not set"; treat it so, but only where fields are messages.
    if (ignoredKeys.has(key) || (mode === 'message' && child === null)) continue;
    checkedText(key, [...path, key]);
    const canonicalKey = mode === 'map' ? key : camelKey(key);
    if (Object.hasOwn(out, canonicalKey)) {
      throw new FindingError(
        formatPath([...path, key]),
        `given twice, as "${spelledAs.get(canonicalKey)}" and as "${key}"`,
      );
    }
    const childMode: Mode =
      mode === 'map' ? 'message' : freeFields.has(canonicalKey) ? 'free' : mapFields.has(canonicalKey) ? 'map' : 'message';
    out[canonicalKey] = rewrite(child, [...path, key], depth + 1, childMode, spellings);
    spelledAs.set(canonicalKey, key);
  }
  spellings.set(out, spelledAs);
  return out;
}

/**
 * JSON can spell text that no store can hold: PostgreSQL refuses U+0000 in text and jsonb, and a
 * lone surrogate is not Unicode at all. Such a finding is refused here, naming the field, rather
 * than failing half-way through intake.
 */
function checkedText(text: string, path: PathSegment[]): string {
  if (text.includes('\u0000')) throw new FindingError(formatPath(path), 'contains a NUL character (U+0000), which no field of a finding can hold');
  if (/\p{Cs}/u.test(text)) throw new FindingError(formatPath(path), 'contains a lone UTF-16 surrogate, which is not Unicode text');
  return text;
}

const valueKinds = ['nullValue', 'numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue'] as const;

/** Turns `google.protobuf.Value` encodings back into plain JSON; plain JSON passes through. */
function unwrapValue(
  input: Record<string, unknown>,
  path: PathSegment[],
  depth: number,
  spellings: WeakMap<object, Map<string, string>>,
): Json {
  const keys = Object.keys(input).filter((key) => !ignoredKeys.has(key));
  const kindKeys = keys.filter((key) => (valueKinds as readonly string[]).includes(camelKey(key)));
  const onlyKind = kindKeys.length === 1 && keys.every((key) => key === kindKeys[0] || key === 'kind');
  if (onlyKind) {
    const key = kindKeys[0]!;
    const inner = input[key];
    const innerPath = [...path, key];
    switch (camelKey(key)) {
      case 'nullValue':
        return null;
      case 'structValue': {
        const fields = isObject(inner) ? (inner.fields ?? {}) : inner;
        return rewrite(fields, [...innerPath, 'fields'], depth + 1, 'free', spellings);
      }
      case 'listValue': {
        const values = isObject(inner) ? (inner.values ?? []) : inner;
        return rewrite(values, [...innerPath, 'values'], depth + 1, 'free', spellings);
      }
      default:
        return rewrite(inner, innerPath, depth + 1, 'free', spellings);
    }
  }
  const out: Record<string, Json> = {};
  for (const key of keys) out[checkedText(key, [...path, key])] = rewrite(input[key], [...path, key], depth + 1, 'free', spellings);
  return out;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A decoding failure: the message, to be attached to the field's path by the caller. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 text or a {seconds, nanos} Timestamp, as an ISO 8601 UTC string. */
export function decodeTimestamp(input: unknown): Decoded<string> {
  if (typeof input === 'string') {
    const millis = rfc3339.test(input) ? Date.parse(input) : Number.NaN;
    if (Number.isNaN(millis)) return { ok: false, message: `"${clip(input)}" is not an RFC 3339 timestamp` };
    return { ok: true, value: new Date(millis).toISOString() };
  }
  if (isObject(input) && 'seconds' in input) {
    const seconds = decodeInt64(input.seconds);
    if (!seconds.ok) return { ok: false, message: `seconds: ${seconds.message}` };
    const nanosRaw = input.nanos ?? 0;
    if (typeof nanosRaw !== 'number' || !Number.isInteger(nanosRaw) || nanosRaw < 0 || nanosRaw > 999_999_999) {
      return { ok: false, message: 'nanos must be an integer from 0 to 999999999' };
    }
    const date = new Date(seconds.value * 1000 + Math.floor(nanosRaw / 1e6));
    if (Number.isNaN(date.getTime())) return { ok: false, message: 'is out of the representable range' };
    return { ok: true, value: date.toISOString() };
  }
  return { ok: false, message: 'must be an RFC 3339 string or a {seconds, nanos} object' };
}

/** int64 as proto3 JSON sends it (string or number) or as protobuf.js hands it over (Long). */
export function decodeInt64(input: unknown): Decoded<number> {
  let value: number;
  if (typeof input === 'number') {
    value = input;
  } else if (typeof input === 'string' && /^-?\d{1,20}$/.test(input)) {
    value = Number(input);
  } else if (isObject(input) && typeof input.low === 'number' && typeof input.high === 'number') {
    value = input.high * 2 ** 32 + (input.low >>> 0);
  } else {
    return { ok: false, message: 'must be an integer (number, decimal string or Long)' };
  }
  if (!Number.isSafeInteger(value)) return { ok: false, message: `${String(input)} is not a safe integer` };
  return { ok: true, value };
}

/** An enum by name (proto3 JSON) or by number (protobuf.js without `enums: String`). */
export function decodeEnum<T extends string>(input: unknown, names: readonly T[]): Decoded<T> {
  if (typeof input === 'string' && (names as readonly string[]).includes(input)) return { ok: true, value: input as T };
  if (typeof input === 'number' && Number.isInteger(input) && input >= 0 && input < names.length) {
    return { ok: true, value: names[input]! };
  }
  return { ok: false, message: `must be one of ${names.join(', ')} (or its number)` };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
