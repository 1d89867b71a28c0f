import MarkdownIt from 'markdown-it';
import type { CaseRecord } from './case-store';
import { caseToMarkdown, markdownCode, markdownText } from './export';

/**
 * The Markdown export is read where Markdown renders (a ticket, a wiki, a repository), and every
 * string in it that came from a finding or a cloud answer is the attacker's. Rendered by a
 * CommonMark renderer with raw HTML allowed (the most permissive reader), it must show that text
 * as text: no tag, no link, no image, no extra table cell.
 */

const hostile = {
  category: '<img src=x onerror=alert(1)>',
  path: '/tmp/<script>alert(2)</script>',
  name: 'organizations/1/sources/2/findings/x` <b>bold</b> `',
  link: '[click](javascript:alert(3)) ![i](https://evil.example/p.png)',
  cell: 'a | b | c',
  fence: '``` <iframe src=//evil.example>',
};

function record(): CaseRecord {
  const at = '2026-11-20T10:00:00Z';
  return {
    case: {
      id: 'case-000000000001', workflow_id: 'scc-case/gke/p/l/c/ns/pod/ctr', run_id: 'run', subject_key: hostile.fence, runtime: 'gke', project: 'p', cluster: 'c', service: null,
      category: hostile.category, severity: 'HIGH', status: 'contained', outcome: 'contained', dry_run: false, opened_at: at, ready_at: at, decided_at: at, contained_at: at, closed_at: at,
      plan: { hash: 'a'.repeat(64), actions: [{ action: 'replace-pod', destructive: true, effect: hostile.link, target: {} }], notes: [hostile.cell], advice: hostile.category, blastRadius: { runtime: 'gke', owners: [{ kind: 'ReplicaSet', name: hostile.category }], notes: [hostile.path] } },
      decision: [{ decision: 'approve', approver: 'secops@acme.example', at, via: 'update', reason: hostile.link }],
    },
    findings: [{ finding_name: hostile.name, joined_at: at, raw_sha256: 'b'.repeat(64), finding: { category: hostile.category, severity: 'HIGH', eventTime: at } }],
    timeline: [
      { event_key: 'step:capture', at, kind: 'step', step: 'capture', outcome: 'ok', detail: { summary: hostile.path } },
      { event_key: 'gap:logs:1', at, kind: 'gap', step: 'logs', outcome: null, detail: { step: 'logs', reason: hostile.link, errorType: 'x', at } },
    ],
    evidence: [{ id: 'ev', case_id: 'case-000000000001', kind: 'binary', sha256: 'c'.repeat(64), size: 1, source: { path: hostile.path, pod: hostile.category, container: hostile.fence }, collector: hostile.cell, collected_at: at, storage_path: '/x', finding_sha256: null, hash_check: 'match' }],
    actions: [{ action: 'replace-pod', action_key: 'k', dry_run: false, target: hostile.name, status: 'applied', detail: hostile.category, at }],
  } as unknown as CaseRecord;
}

const renderer = new MarkdownIt({ html: true, linkify: false });

test('finding text in the Markdown export renders as text: no tag, link, image or table cell of its own', () => {
  const markdown = caseToMarkdown(record());
  const html = renderer.render(markdown);
  expect(html).not.toMatch(/<(img|script|iframe|b)\b/i);
  expect(html).not.toMatch(/<a\b|href=/i);
  // Each hostile string is still there, to be read as it was.
  const text = html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  for (const value of [hostile.category, hostile.path, hostile.link, hostile.cell]) expect(text).toContain(value);
  // The findings table keeps its four columns whatever a cell holds.
  expect(html.slice(html.indexOf('<th>finding</th>')).split('</tr>')[1]!.match(/<td>/g)).toHaveLength(4);
});

test('a code span holds any backtick run, and text escapes what Markdown would read', () => {
  expect(renderer.renderInline(markdownCode('a ``` b'))).toBe('<code>a ``` b</code>');
  expect(renderer.renderInline(markdownCode('`edge`'))).toBe('<code>`edge`</code>');
  expect(renderer.renderInline(markdownText('*bold* _it_ ~~del~~ <br> [x](y)'))).toBe('*bold* _it_ ~~del~~ &lt;br&gt; [x](y)');
  expect(markdownText('two\nlines')).toBe('two lines');
});
