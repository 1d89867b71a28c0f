import { playbookFor } from './categories';
import type { FileReport, Finding } from './model';

/**
 * A readable summary of a normalized finding. Every value that came from the finding is shown
 * JSON-quoted, so control characters (terminal escapes hidden in a path or an argument) are
 * printed as escapes, never interpreted.
 */
export function describeFinding(finding: Finding): string {
  const playbook = playbookFor(finding.category);
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(11)}${text}`);
  lines.push(`${q(finding.category)}  [${finding.severity}, ${finding.state}]`);
  row('finding', q(finding.name));
  row('playbook', `${playbook.id}${playbook.generic ? ' (generic: no playbook for this category)' : ''}`);
  if (playbook.mitre.length > 0) row('mitre', playbook.mitre.map((t) => `${t.id} ${t.name}`).join('; '));
  row('event', finding.eventTime);
  const subject = finding.subject;
  if (subject.runtime === 'gke') {
    row('subject', `GKE pod ${q(subject.namespace)}/${q(subject.pod)}, container ${q(subject.container)}`);
    row('cluster', `${q(subject.projectId)} ${q(subject.location)} ${q(subject.cluster)}`);
    if (subject.node) row('node', q(subject.node));
  } else {
    const what = subject.job
      ? `job ${q(subject.job)}${subject.execution ? `, execution ${q(subject.execution)}` : ''}`
      : `service ${subject.service ? q(subject.service) : '(unknown)'}${subject.revision ? `, revision ${q(subject.revision)}` : ''}`;
    row('subject', `Cloud Run ${what}`);
    row('project', `${q(subject.projectId)} ${q(subject.region)}`);
    if (subject.container) row('container', q(subject.container));
  }
  if (subject.imageUri) row('image', q(subject.imageUri));
  for (const process of finding.processes) {
    if (process.binary) row('binary', describeFile(process.binary));
    row('args', `${process.args.map(q).join(' ')}${process.argsTruncated ? ' (truncated)' : ''}`);
    if (process.script) {
      const cut = process.script.contentsTruncatedByIntake ? `, kept ${process.script.contents?.length ?? 0} chars` : '';
      row('script', `${describeFile(process.script)}${cut}`);
    }
  }
  const { ipAddresses, domains, uris } = finding.indicators;
  const indicators = [...ipAddresses, ...domains, ...uris];
  if (indicators.length > 0) row('indicators', indicators.map(q).join(' '));
  if (finding.contacts.length > 0) row('contacts', finding.contacts.map((c) => `${c.role}: ${q(c.email)}`).join(', '));
  row('intake', `${finding.intake.shape}, ${finding.intake.rawBytes} bytes, sha256 ${finding.intake.rawSha256}`);
  for (const note of finding.intake.notes) row('note', JSON.stringify(note).slice(1, -1));
  return lines.join('\n');
}

function describeFile(file: FileReport): string {
  const parts = [file.path ? q(file.path) : '(no path)'];
  if (file.size !== undefined) parts.push(`${file.size} bytes`);
  if (file.sha256) {
    parts.push(`sha256 ${file.sha256}${file.partiallyHashed ? ` of the first ${file.hashedSize ?? '?'} bytes` : ''}`);
  }
  return parts.join(', ');
}

function q(text: string): string {
  return JSON.stringify(text);
}
