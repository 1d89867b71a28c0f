import { createHash } from 'node:crypto';
import { readAncestry } from './ancestry';
import { playbookFor } from './categories';
import { FindingError, formatPath, type PathSegment } from './errors';
import { findingNameForm, parseFindingName } from './finding-name';
import { intakeLimits } from './limits';
import type { Finding, IntakeShape, ParsedFinding } from './model';
import { readContacts, readIndicators, readMitreAttack, readProcesses, cutUtf8 } from './reports';
import { envelopeSchema, type Envelope } from './schema';
import { readSubject } from './subject';
import { canonicalize, isObject, type Json } from './wire';
import { optional } from '../util/optional';

/**
 * Parses one finding from untrusted bytes in any of its three shapes (Pub/Sub notification,
 * Node client listFindings object, console JSON tab) into the typed model. Throws one
 * FindingError naming the offending field; it never returns a half-read finding.
 */
export function parseFinding(input: string | Uint8Array): ParsedFinding {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  if (bytes.length > intakeLimits.rawBytes) {
    throw new FindingError('', `is ${bytes.length} bytes, over the ${intakeLimits.rawBytes}-byte intake limit`);
  }
  let raw: string;
  try {
    raw = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FindingError('', 'is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new FindingError('', `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const finding = normalizeFinding(value, {
    rawBytes: bytes.length,
    rawSha256: createHash('sha256').update(bytes).digest('hex'),
  });
  return { finding, raw };
}

/** The same, for a value already decoded (the client library hands over objects, not text). */
export function parseFindingObject(value: unknown): ParsedFinding {
  let raw: string;
  try {
    raw = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
  } catch (error) {
    throw new FindingError('', `cannot be serialized (${error instanceof Error ? error.message : String(error)})`);
  }
  if (raw === undefined) throw new FindingError('', 'must be a JSON object');
  return parseFinding(raw);
}

function normalizeFinding(value: unknown, rawInfo: { rawBytes: number; rawSha256: string }): Finding {
  if (!isObject(value)) throw new FindingError('', 'must be a JSON object');
  const canonical = canonicalize(value);
  const { spell } = canonical;
  const envelope = parseEnvelope(asEnvelope(canonical.value), spell);
  const { finding } = envelope;
  const notes: string[] = [];

  const nameParts = parseFindingName(finding.name);
  if (!nameParts) throw new FindingError(spell(['finding', 'name']), `must be a finding name (${findingNameForm})`);

  const category = finding.category.trim();
  if (category === '' || category.length > intakeLimits.categoryChars || /[\p{Cc}]/u.test(category)) {
    throw new FindingError(
      spell(['finding', 'category']),
      `must be a category name (1 to ${intakeLimits.categoryChars} printable characters)`,
    );
  }
  if (finding.findingClass !== undefined && !['THREAT', 'FINDING_CLASS_UNSPECIFIED'].includes(finding.findingClass)) {
    throw new FindingError(spell(['finding', 'findingClass']), `is ${finding.findingClass}: only THREAT findings start an investigation`);
  }

  const eventTime = finding.eventTime ?? finding.createTime;
  if (!eventTime) throw new FindingError(spell(['finding', 'eventTime']), 'is missing (and so is createTime)');
  if (!finding.eventTime) notes.push('eventTime is missing; using createTime');

  const resourceName = finding.resourceName
    ? { value: finding.resourceName, path: ['finding', 'resourceName'] as PathSegment[] }
    : envelope.resource?.name
      ? { value: envelope.resource.name, path: ['resource', 'name'] as PathSegment[] }
      : undefined;
  if (!resourceName) throw new FindingError(spell(['finding', 'resourceName']), 'is missing (and so is resource.name)');

  const subject = readSubject(envelope, resourceName, spell, notes);
  const playbook = playbookFor(category);
  if (playbook.generic) notes.push(`category "${category}" has no playbook of its own; the generic container playbook applies`);

  const description =
    finding.description !== undefined ? cutUtf8(finding.description, intakeLimits.descriptionBytes) : undefined;
  const externalUri = finding.externalUri && URL.canParse(finding.externalUri) ? finding.externalUri : undefined;
  const projectDisplayName = envelope.resource?.projectDisplayName ?? envelope.resource?.gcpMetadata?.projectDisplayName;

  return {
    name: finding.name,
    nameParts,
    ...optional('canonicalName', finding.canonicalName),
    category,
    playbook: { id: playbook.id, generic: playbook.generic, runtimeDocumented: playbook.runtimes.includes(subject.runtime) },
    severity: finding.severity ?? 'SEVERITY_UNSPECIFIED',
    state: finding.state ?? 'STATE_UNSPECIFIED',
    findingClass: finding.findingClass ?? 'FINDING_CLASS_UNSPECIFIED',
    eventTime,
    ...optional('createTime', finding.createTime),
    resourceName: resourceName.value,
    ...optional('projectDisplayName', projectDisplayName),
    ancestry: readAncestry(envelope, nameParts),
    subject,
    processes: readProcesses(finding, spell, notes),
    indicators: readIndicators(finding, notes),
    ...optional('mitreAttack', readMitreAttack(finding)),
    contacts: readContacts(finding, notes),
    ...optional('externalUri', externalUri),
    ...optional('description', description),
    intake: {
      shape: detectShape(value),
      ...optional('notificationConfigName', envelope.notificationConfigName),
      ...rawInfo,
      notes,
    },
  };
}

/** Accepts the envelope ({finding, resource, ...}) or a bare Finding, which gets wrapped. */
function asEnvelope(value: Json): Json {
  if (isObject(value) && isObject(value.finding)) return value;
  if (isObject(value) && 'finding' in value) return value; // a mistyped `finding` is reported by the schema
  if (isObject(value) && 'category' in value && 'name' in value) return { finding: value };
  throw new FindingError('', 'must be a finding, or an object with a "finding" field (notification, listFindings result or console JSON)');
}

function parseEnvelope(value: Json, spell: (path: readonly PathSegment[]) => string): Envelope {
  const result = envelopeSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  throw new FindingError(spell(path) || formatPath(path), missing ? 'is missing' : issue.message);
}

/** Which of the wire shapes the sender used, for the case record (parsing does not depend on it). */
function detectShape(original: Record<string, unknown>): IntakeShape {
  if (typeof original.notificationConfigName === 'string' || typeof original.notification_config_name === 'string') {
    return 'notification';
  }
  const finding = isObject(original.finding) ? original.finding : original;
  if (Object.keys(finding).some((key) => key.includes('_'))) return 'console';
  const properties = isObject(finding.sourceProperties) ? Object.values(finding.sourceProperties) : [];
  const structValues = properties.some((value) => isObject(value) && ('stringValue' in value || 'kind' in value));
  if (isObject(finding.eventTime) || isObject(finding.createTime) || structValues) return 'client-library';
  return 'api';
}
