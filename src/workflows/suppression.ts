import type { Finding } from '../findings/model';

/**
 * Suppression rules: changes a team makes on purpose (a debug binary in one namespace, a build
 * image that compiles at start). A case whose finding matches one closes as an intended change,
 * with the runbook's advice to rebuild the image instead. Pure: evaluated in the workflow.
 */
export interface SuppressionRule {
  id: string;
  /** Why this is expected, in words: recorded on every case it closes. */
  reason: string;
  projects?: string[];
  namespaces?: string[];
  services?: string[];
  /** Image references: exact, a repository prefix ending in "/" or ":", or a digest ("sha256:…"). */
  images?: string[];
  /** Absolute paths of the expected binaries or scripts. */
  binaries?: string[];
  /** SHA-256 of the expected binaries or scripts. */
  sha256s?: string[];
}

function imageMatches(image: string | undefined, patterns: string[]): boolean {
  if (!image) return false;
  return patterns.some((pattern) => (pattern.startsWith('sha256:') ? image.endsWith(`@${pattern}`) : pattern.endsWith('/') || pattern.endsWith(':') ? image.startsWith(pattern) : image === pattern));
}

/** Every reported binary and script must be expected, by path or by hash: one stranger and the rule does not apply. */
function filesExpected(finding: Finding, rule: SuppressionRule): boolean {
  const files = finding.processes.flatMap((p) => [p.binary, p.script]).filter((f) => f !== undefined);
  if (files.length === 0) return false;
  return files.every((file) => (file.path !== undefined && (rule.binaries ?? []).includes(file.path)) || (file.sha256 !== undefined && (rule.sha256s ?? []).includes(file.sha256.toLowerCase())));
}

export function matches(rule: SuppressionRule, finding: Finding): boolean {
  const { subject } = finding;
  const image = subject.imageUri;
  const checks: boolean[] = [];
  if (rule.projects?.length) checks.push(rule.projects.includes(subject.projectId) || (subject.projectNumber !== undefined && rule.projects.includes(subject.projectNumber)));
  if (rule.namespaces?.length) checks.push(subject.runtime === 'gke' && rule.namespaces.includes(subject.namespace));
  if (rule.services?.length) checks.push(subject.runtime === 'cloud-run' && rule.services.includes(subject.service ?? subject.job ?? ''));
  if (rule.images?.length) checks.push(imageMatches(image, rule.images));
  if (rule.binaries?.length || rule.sha256s?.length) checks.push(filesExpected(finding, rule));
  // A rule that names nothing would silence everything: it matches nothing instead.
  return checks.length > 0 && checks.every(Boolean);
}

export function suppressionFor(finding: Finding, rules: readonly SuppressionRule[]): SuppressionRule | undefined {
  return rules.find((rule) => matches(rule, finding));
}
