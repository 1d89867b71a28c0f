import type { CaseRecord } from './case-store';
import { caseGaps } from './gaps';

/** A case as a document: JSON for machines (raw findings included), Markdown for people. */

export function caseToJson(record: CaseRecord, rawFindings: Record<string, string>): string {
  return `${JSON.stringify({ ...record, rawFindings }, null, 2)}\n`;
}

export function caseToMarkdown(record: CaseRecord): string {
  const c = record.case;
  const lines: string[] = [];
  const cell = (text: unknown) => String(text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  lines.push(`# Case ${c.id}: ${cell(c.category)}`, '');
  lines.push(`- **Status:** ${c.status}${c.outcome ? ` (${c.outcome})` : ''}${c.dry_run ? ' — dry run' : ''}`);
  lines.push(`- **Subject:** \`${cell(c.subject_key)}\``);
  lines.push(`- **Severity:** ${c.severity}`);
  lines.push(`- **Workflow:** \`${c.workflow_id}\` run \`${c.run_id}\``);
  const times: [string, string | null][] = [['opened', c.opened_at], ['ready for decision', c.ready_at], ['decided', c.decided_at], ['contained', c.contained_at], ['closed', c.closed_at]];
  lines.push(`- **Times:** ${times.filter(([, t]) => t).map(([label, t]) => `${label} ${t}`).join('; ')}`);
  const elapsed = (from: string | null, to: string | null) => (from && to ? `${Math.round((Date.parse(to) - Date.parse(from)) / 1000)} s` : '—');
  lines.push(`- **Time to ready / decision / containment:** ${elapsed(c.opened_at, c.ready_at)} / ${elapsed(c.opened_at, c.decided_at)} / ${elapsed(c.opened_at, c.contained_at)}`, '');

  lines.push('## Findings', '', '| finding | category | severity | event time |', '|---|---|---|---|');
  for (const f of record.findings) lines.push(`| \`${cell(f.finding_name)}\` | ${cell(f.finding.category)} | ${f.finding.severity} | ${f.finding.eventTime} |`);

  lines.push('', '## Investigation', '', '| step | outcome | summary |', '|---|---|---|');
  for (const t of record.timeline.filter((entry) => entry.kind === 'step')) {
    lines.push(`| ${t.step} | ${t.outcome} | ${cell((t.detail as { summary?: string }).summary)} |`);
  }
  const gaps = caseGaps(record.timeline);
  if (gaps.length > 0) {
    lines.push('', '### Gaps', '');
    for (const g of gaps) lines.push(`- ${g.step}: ${cell(g.reason)}`);
  }

  lines.push('', '## Evidence', '', '| kind | sha256 | bytes | check against the finding | source | parent | collector | collected |', '|---|---|---|---|---|---|---|---|');
  for (const e of record.evidence) {
    const source = e.source as { path?: string; pod?: string; podUid?: string; container?: string; pid?: number };
    const where = source.path ? `${source.pod} (uid ${source.podUid ?? '?'})/${source.container}:${source.path}${source.pid ? ` pid ${source.pid}` : ''}` : 'queries';
    lines.push(`| ${e.kind} | \`${e.sha256}\` | ${e.size} | ${e.hash_check} | ${cell(where)} | ${e.parent_sha256 ? `finding \`${e.parent_sha256.slice(0, 16)}…\`` : ''} | ${cell(e.collector)} | ${e.collected_at} |`);
  }

  if (c.plan) {
    lines.push('', `## Plan \`${c.plan.hash}\``, '');
    for (const a of c.plan.actions) lines.push(`- **${a.action}**${a.destructive ? ' (destructive)' : ''}: ${cell(a.effect)}`);
    for (const note of c.plan.notes) lines.push(`- _not planned:_ ${cell(note)}`);
    const radius = c.plan.blastRadius;
    if (radius) {
      lines.push('', '### Blast radius', '');
      if (radius.owners) lines.push(`- owners: ${radius.owners.map((o) => `${o.kind}/${o.name}${o.replicas !== undefined ? ` (${o.replicas} replicas)` : ''}`).join(' → ') || 'none (bare pod)'}`);
      if (radius.traffic) lines.push(`- traffic: ${radius.traffic.map((t) => `${t.percent}% ${t.revision}`).join(', ')}; ingress ${radius.ingress}`);
      for (const note of radius.notes) lines.push(`- ${cell(note)}`);
    }
    lines.push('', `> ${cell(c.plan.advice)}`);
  }

  lines.push('', '## Decision', '');
  if (!c.decision || c.decision.length === 0) lines.push('None.');
  for (const d of c.decision ?? []) lines.push(`- ${d.decision} by ${d.approver} at ${d.at} via ${d.via}${d.reason ? `: ${cell(d.reason)}` : ''}`);
  const refused = record.timeline.filter((t) => t.kind === 'decision-refused');
  for (const r of refused) lines.push(`- _refused_ ${cell((r.detail as { approver?: string }).approver)}: ${cell((r.detail as { reason?: string }).reason)}`);

  lines.push('', '## Actions', '');
  if (record.actions.length === 0) lines.push('None.');
  for (const a of record.actions) lines.push(`- ${a.action} on ${cell(a.target)}: **${a.status}** — ${cell(a.detail)}`);
  return `${lines.join('\n')}\n`;
}
