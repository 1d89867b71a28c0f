import type { CaseRecord } from './case-store';
import { caseGaps } from './gaps';

/** A case as a document: JSON for machines (raw findings included), Markdown for people. */

export function caseToJson(record: CaseRecord, rawFindings: Record<string, string>): string {
  return `${JSON.stringify({ ...record, rawFindings }, null, 2)}\n`;
}

/**
 * Text from a finding or a cloud answer, as Markdown that renders as exactly that text: HTML's
 * characters become entities and Markdown's punctuation is escaped, so a category or a path can
 * open no tag, link, image or table cell. One line, whatever it held.
 */
export function markdownText(value: unknown): string {
  return String(value ?? '')
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!)
    .replace(/[\\`*_[\]|~]/g, '\\$&');
}

/** A code span that no backtick in the value can close early (CommonMark: a longer fence). */
export function markdownCode(value: unknown): string {
  const text = String(value ?? '').replace(/[\r\n\u2028\u2029]+/g, ' ');
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  // A pipe would still end a table cell inside a code span.
  return `${fence}${pad}${text.replace(/\|/g, '\\|')}${pad}${fence}`;
}

export function caseToMarkdown(record: CaseRecord): string {
  const c = record.case;
  const lines: string[] = [];
  const cell = markdownText;
  lines.push(`# Case ${cell(c.id)}: ${cell(c.category)}`, '');
  lines.push(`- **Status:** ${cell(c.status)}${c.outcome ? ` (${cell(c.outcome)})` : ''}${c.dry_run ? ' — dry run' : ''}`);
  lines.push(`- **Subject:** ${markdownCode(c.subject_key)}`);
  lines.push(`- **Severity:** ${cell(c.severity)}`);
  lines.push(`- **Workflow:** ${markdownCode(c.workflow_id)} run ${markdownCode(c.run_id)}`);
  const times: [string, string | null][] = [['opened', c.opened_at], ['ready for decision', c.ready_at], ['decided', c.decided_at], ['contained', c.contained_at], ['closed', c.closed_at]];
  lines.push(`- **Times:** ${times.filter(([, t]) => t).map(([label, t]) => `${label} ${t}`).join('; ')}`);
  const elapsed = (from: string | null, to: string | null) => (from && to ? `${Math.round((Date.parse(to) - Date.parse(from)) / 1000)} s` : '—');
  lines.push(`- **Time to ready / decision / containment:** ${elapsed(c.opened_at, c.ready_at)} / ${elapsed(c.opened_at, c.decided_at)} / ${elapsed(c.opened_at, c.contained_at)}`, '');

  lines.push('## Findings', '', '| finding | category | severity | event time |', '|---|---|---|---|');
  for (const f of record.findings) lines.push(`| ${markdownCode(f.finding_name)} | ${cell(f.finding.category)} | ${cell(f.finding.severity)} | ${cell(f.finding.eventTime)} |`);

  lines.push('', '## Investigation', '', '| step | outcome | summary |', '|---|---|---|');
  for (const t of record.timeline.filter((entry) => entry.kind === 'step')) {
    lines.push(`| ${cell(t.step)} | ${cell(t.outcome)} | ${cell((t.detail as { summary?: string }).summary)} |`);
  }
  const gaps = caseGaps(record.timeline);
  if (gaps.length > 0) {
    lines.push('', '### Gaps', '');
    for (const g of gaps) lines.push(`- ${cell(g.step)}: ${cell(g.reason)}`);
  }

  lines.push('', '## Evidence', '', '| kind | sha256 | bytes | check against the finding | source | parent | collector | collected |', '|---|---|---|---|---|---|---|---|');
  for (const e of record.evidence) {
    const source = e.source as { path?: string; pod?: string; podUid?: string; container?: string; pid?: number };
    const where = source.path ? `${source.pod} (uid ${source.podUid ?? '?'})/${source.container}:${source.path}${source.pid ? ` pid ${source.pid}` : ''}` : 'queries';
    lines.push(`| ${cell(e.kind)} | ${markdownCode(e.sha256)} | ${e.size} | ${cell(e.hash_check)} | ${cell(where)} | ${e.parent_sha256 ? `finding ${markdownCode(`${e.parent_sha256.slice(0, 16)}…`)}` : ''} | ${cell(e.collector)} | ${e.collected_at} |`);
  }

  if (c.plan) {
    lines.push('', `## Plan ${markdownCode(c.plan.hash)}`, '');
    for (const a of c.plan.actions) lines.push(`- **${cell(a.action)}**${a.destructive ? ' (destructive)' : ''}: ${cell(a.effect)}`);
    for (const note of c.plan.notes) lines.push(`- _note:_ ${cell(note)}`);
    const radius = c.plan.blastRadius;
    if (radius) {
      lines.push('', '### Blast radius', '');
      if (radius.owners) lines.push(`- owners: ${radius.owners.map((o) => cell(`${o.kind}/${o.name}${o.replicas !== undefined ? ` (${o.replicas} replicas)` : ''}`)).join(' → ') || 'none (bare pod)'}`);
      if (radius.traffic) lines.push(`- traffic: ${radius.traffic.map((t) => `${t.percent}% ${cell(t.revision)}`).join(', ')}; ingress ${cell(radius.ingress)}`);
      for (const note of radius.notes) lines.push(`- ${cell(note)}`);
    }
    lines.push('', `> ${cell(c.plan.advice)}`);
  }

  lines.push('', '## Decision', '');
  if (!c.decision || c.decision.length === 0) lines.push('None.');
  for (const d of c.decision ?? []) lines.push(`- ${cell(d.decision)} by ${cell(d.approver)} at ${cell(d.at)} via ${cell(d.via)}${d.reason ? `: ${cell(d.reason)}` : ''}`);
  const refused = record.timeline.filter((t) => t.kind === 'decision-refused');
  for (const r of refused) lines.push(`- _refused_ ${cell((r.detail as { approver?: string }).approver)}: ${cell((r.detail as { reason?: string }).reason)}`);

  lines.push('', '## Actions', '');
  if (record.actions.length === 0) lines.push('None.');
  for (const a of record.actions) lines.push(`- ${cell(a.action)} on ${cell(a.target)}: **${cell(a.status)}** — ${cell(a.detail)}`);
  return `${lines.join('\n')}\n`;
}
