import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { FindingError, type PathSegment } from './errors';
import { intakeLimits } from './limits';
import type { Contact, FileReport, Indicators, MitreAttackReport, ProcessReport, ScriptReport } from './model';
import { checkAbsolutePath, nameRules } from './names';
import type { EnvelopeFile, EnvelopeFinding, EnvelopeProcess } from './schema';
import { optional } from '../util/optional';

/** Readers for the evidence-bearing parts of a finding: processes, indicators, MITRE, contacts. */

type Spell = (path: readonly PathSegment[]) => string;

export function readProcesses(finding: EnvelopeFinding, spell: Spell, notes: string[]): ProcessReport[] {
  const all = finding.processes ?? [];
  if (all.length > intakeLimits.processes) {
    notes.push(`kept the first ${intakeLimits.processes} of ${all.length} processes`);
  }
  return all
    .slice(0, intakeLimits.processes)
    .map((process, index) => readProcess(process, ['finding', 'processes', index], spell, notes));
}

function readProcess(process: EnvelopeProcess, at: PathSegment[], spell: Spell, notes: string[]): ProcessReport {
  const { args, cut } = capArgs(process.args ?? []);
  if (cut) notes.push(`${spell([...at, 'args'])}: kept ${args.length} arguments within ${intakeLimits.argsBytesPerProcess} bytes`);
  return {
    ...optional('name', process.name),
    ...optional('binary', process.binary && readFile(process.binary, [...at, 'binary'], spell)),
    ...optional('script', process.script && readScript(process.script, [...at, 'script'], spell, notes)),
    args,
    argsTruncated: cut || process.argumentsTruncated === true,
    ...optional('pid', process.pid),
    ...optional('parentPid', process.parentPid),
  };
}

function capArgs(all: string[]): { args: string[]; cut: boolean } {
  const args: string[] = [];
  let budget = intakeLimits.argsBytesPerProcess;
  for (const arg of all) {
    const size = Buffer.byteLength(arg);
    if (size > budget) {
      if (budget > 0) args.push(cutUtf8(arg, budget));
      return { args, cut: true };
    }
    args.push(arg);
    budget -= size;
  }
  return { args, cut: false };
}

function readFile(file: EnvelopeFile, at: PathSegment[], spell: Spell): FileReport {
  if (file.path !== undefined) {
    const problem = checkAbsolutePath(file.path, intakeLimits.pathBytes);
    if (problem) throw new FindingError(spell([...at, 'path']), problem);
  }
  let sha256: string | undefined;
  if (file.sha256 !== undefined && file.sha256 !== '') {
    sha256 = file.sha256.toLowerCase();
    if (!nameRules.sha256.test(sha256)) throw new FindingError(spell([...at, 'sha256']), `is not ${nameRules.sha256.description}`);
  }
  for (const field of ['size', 'hashedSize'] as const) {
    const value = file[field];
    if (value !== undefined && value < 0) throw new FindingError(spell([...at, field]), 'must not be negative');
  }
  return {
    ...optional('path', file.path),
    ...optional('size', file.size),
    ...optional('sha256', sha256),
    ...optional('hashedSize', file.hashedSize),
    partiallyHashed: file.partiallyHashed === true,
  };
}

/** Script contents are attacker-sized: the model keeps a bounded prefix with the hash of all that came. */
function readScript(file: EnvelopeFile, at: PathSegment[], spell: Spell, notes: string[]): ScriptReport {
  const report: ScriptReport = { ...readFile(file, at, spell), contentsTruncatedByIntake: false };
  if (file.contents === undefined) return report;
  const bytes = Buffer.byteLength(file.contents);
  const cut = bytes > intakeLimits.scriptContentsBytes;
  if (cut) {
    notes.push(`${spell([...at, 'contents'])}: kept the first ${intakeLimits.scriptContentsBytes} of ${bytes} bytes; the full text is in the raw finding`);
  }
  return {
    ...report,
    contents: cut ? cutUtf8(file.contents, intakeLimits.scriptContentsBytes) : file.contents,
    contentsBytes: bytes,
    contentsSha256: createHash('sha256').update(file.contents).digest('hex'),
    contentsTruncatedByIntake: cut,
  };
}

/** A prefix of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const buffer = Buffer.from(text);
  if (buffer.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end--;
  return buffer.subarray(0, end).toString('utf8');
}

const hostname = /^(?=.{1,253}$)([a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$/i;

/** Indicators are only ever shown and looked up; invalid ones are set aside with a note, not fatal. */
export function readIndicators(finding: EnvelopeFinding, notes: string[]): Indicators {
  const indicator = finding.indicator ?? {};
  return {
    ipAddresses: keepValid('indicator.ipAddresses', indicator.ipAddresses, (value) => isIP(value) !== 0, notes),
    domains: keepValid('indicator.domains', indicator.domains, (value) => hostname.test(value), notes),
    uris: keepValid('indicator.uris', indicator.uris, isUri, notes),
  };
}

function isUri(value: string): boolean {
  if (value.length > intakeLimits.uriChars) return false;
  return URL.canParse(value) || hostname.test(value.split('/')[0] ?? '');
}

function keepValid(label: string, values: string[] | undefined, valid: (value: string) => boolean, notes: string[]): string[] {
  if (!values) return [];
  const kept = values.filter(valid);
  const unique = [...new Set(kept)].slice(0, intakeLimits.indicatorsPerKind);
  if (kept.length < values.length) notes.push(`${label}: set aside ${values.length - kept.length} malformed entries`);
  if (unique.length < new Set(kept).size) notes.push(`${label}: kept the first ${intakeLimits.indicatorsPerKind}`);
  return unique;
}

export function readMitreAttack(finding: EnvelopeFinding): MitreAttackReport | undefined {
  const mitre = finding.mitreAttack;
  if (!mitre) return undefined;
  // Numbers come from clients that decode enums as numbers; the names are what analysts read.
  const label = (value: string | number) => (typeof value === 'number' ? `#${value}` : value);
  return {
    ...optional('primaryTactic', mitre.primaryTactic !== undefined ? label(mitre.primaryTactic) : undefined),
    primaryTechniques: (mitre.primaryTechniques ?? []).map(label),
    additionalTactics: (mitre.additionalTactics ?? []).map(label),
    additionalTechniques: (mitre.additionalTechniques ?? []).map(label),
    ...optional('version', mitre.version),
  };
}

const email = /^[^\s@<>()[\]\\,;:"]{1,64}@[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/i;

export function readContacts(finding: EnvelopeFinding, notes: string[]): Contact[] {
  const contacts: Contact[] = [];
  let malformed = 0;
  for (const [role, details] of Object.entries(finding.contacts ?? {})) {
    for (const contact of details.contacts ?? []) {
      if (contact.email === undefined) continue;
      if (email.test(contact.email) && /^[a-z][-a-z_]{0,31}$/i.test(role)) contacts.push({ role, email: contact.email });
      else malformed++;
    }
  }
  if (malformed > 0) notes.push(`contacts: set aside ${malformed} malformed entries`);
  if (contacts.length > intakeLimits.contacts) notes.push(`contacts: kept the first ${intakeLimits.contacts}`);
  return contacts.slice(0, intakeLimits.contacts);
}
