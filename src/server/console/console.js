'use strict';
// The scc-responder console: a case list and a case page over /api. Everything from a case is
// untrusted (it came from a finding or a cluster), so it is only ever written with textContent.

(function () {
  const app = document.getElementById('app');
  const terminal = new Set(['contained', 'rejected', 'closed', 'expired', 'failed', 'intended-change']);
  // The page's one live stream (server-sent events): the server sends what changed, the page never polls.
  let stream;

  function follow(url, event, onData) {
    const source = new EventSource(url, { withCredentials: true });
    stream = source;
    let chain = Promise.resolve();
    source.addEventListener(event, (message) => {
      const data = JSON.parse(message.data);
      chain = chain.then(() => (stream === source ? onData(data) : undefined)).catch(failure);
    });
    // Credentials that stopped being valid, or a case that is gone: the page says so instead of reconnecting.
    source.addEventListener('signed-out', () => {
      source.close();
      route();
    });
    source.addEventListener('gone', (message) => {
      source.close();
      failure(new Error(JSON.parse(message.data).error));
    });
    source.addEventListener('error', () => {
      // A stream that ended is reopened by the browser; one that was refused (401, 403, 429) is closed for good.
      if (source.readyState === EventSource.CLOSED && stream === source) api('/api/me').then(() => failure(new Error('the live view was refused: reload the page')), failure);
    });
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, init) {
    const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init && init.body ? { 'content-type': 'application/json' } : {}) } });
    const body = response.status === 204 ? null : await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (!response.ok) {
      const error = new Error((body && body.error) || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function show(...nodes) {
    app.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined && node !== false));
  }

  function badge(status) {
    return el('span', { class: `badge status-${status}`, 'data-testid': 'case-status', text: status });
  }

  function when(iso) {
    return iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
  }

  function failure(error) {
    if (error.status === 401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    show(el('p', { class: 'error', role: 'alert', text: error.message }));
  }

  // ---- sign-in (lab users) -------------------------------------------------------------
  function loginPage() {
    const message = el('p', { class: 'error', role: 'alert' });
    const form = el(
      'form',
      { class: 'login', 'data-testid': 'login-form' },
      el('h1', { text: 'Sign in' }),
      el('label', {}, 'E-mail', el('input', { name: 'email', type: 'email', autocomplete: 'username', required: true })),
      el('label', {}, 'Password', el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      el('button', { type: 'submit', text: 'Sign in' }),
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        await api('/api/session', { method: 'POST', body: JSON.stringify({ email: data.get('email'), password: data.get('password') }) });
        location.assign(sameOriginPath(new URLSearchParams(location.search).get('next')));
      } catch (error) {
        message.textContent = error.message;
      }
    });
    show(form);
  }

  /**
   * Where to go after signing in: a path on this origin, and only that. The browser's own URL
   * parser decides, so "/\\host", "/\t/host" and the like, which it reads as another origin, are
   * refused; what survives is rebuilt from its path, query and fragment alone.
   */
  function sameOriginPath(next) {
    if (!next) return '/';
    let url;
    try {
      url = new URL(next, location.origin);
    } catch {
      return '/';
    }
    if (url.origin !== location.origin || !next.startsWith('/') || /^[/\\][/\\\s]/.test(next)) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  }

  // ---- case list -----------------------------------------------------------------------
  const statuses = ['investigating', 'awaiting-decision', 'escalated', 'containing', 'contained', 'rejected', 'expired', 'failed', 'intended-change'];
  const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

  async function listPage() {
    const params = new URLSearchParams(location.search);
    const select = (name, options) =>
      el('select', { name, 'data-testid': `filter-${name}` }, el('option', { value: '', text: `any ${name}` }), options.map((o) => el('option', { value: o, text: o, selected: params.get(name) === o })));
    const text = (name, placeholder) => el('input', { name, placeholder, value: params.get(name) || '', 'data-testid': `filter-${name}` });
    const filters = el('form', { class: 'filters', 'data-testid': 'filters' }, select('status', statuses), select('severity', severities), text('category', 'category'), text('cluster', 'cluster'), text('service', 'Cloud Run service'), el('button', { type: 'submit', text: 'Filter' }));
    filters.addEventListener('submit', (event) => {
      event.preventDefault();
      const query = new URLSearchParams();
      for (const [key, value] of new FormData(filters)) if (value) query.set(key, String(value));
      history.pushState(null, '', `/?${query}`);
      route();
    });
    const body = el('tbody');
    const table = el('table', { class: 'cases', 'data-testid': 'case-list' }, el('thead', {}, el('tr', {}, ['case', 'status', 'severity', 'category', 'cluster / service', 'opened'].map((h) => el('th', { text: h })))), body);
    show(el('h1', { text: 'Cases' }), filters, table);
    const query = new URLSearchParams([...params].filter(([key, value]) => value && ['status', 'severity', 'category', 'cluster', 'service'].includes(key)));
    follow(`/api/case-events?${query}`, 'cases', ({ cases }) =>
      body.replaceChildren(
        ...(cases.length === 0
          ? [el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No cases match.' }))]
          : cases.map((c) =>
              el(
                'tr',
                { 'data-testid': 'case-row', 'data-case': c.id },
                el('td', {}, el('a', { href: `/cases/${c.id}`, text: c.id })),
                el('td', {}, badge(c.status)),
                el('td', { text: c.severity }),
                el('td', { text: c.category }),
                el('td', { text: c.cluster || c.service || '' }),
                el('td', { text: when(c.openedAt) }),
              ),
            )),
      ),
    );
  }

  // ---- case page -----------------------------------------------------------------------
  function section(title, testid, ...content) {
    return el('section', { 'data-testid': testid }, el('h2', { text: title }), ...content);
  }

  // The runbook's order, whatever order the steps finished in.
  const runbook = ['review', 'cluster-and-node', 'pod', 'cloud-run', 'logs', 'capture', 'research'];

  function stepsOf(detail) {
    const steps = detail.live ? detail.live.steps : detail.timeline.filter((t) => t.kind === 'step').map((t) => ({ step: t.step, outcome: t.outcome, summary: t.detail.summary || '', endedAt: t.at, gap: t.detail.gap }));
    return [...steps].sort((a, b) => runbook.indexOf(a.step) - runbook.indexOf(b.step));
  }

  function planSection(detail) {
    const plan = detail.plan;
    if (!plan) return section('Plan', 'plan', el('p', { class: 'muted', text: 'No plan yet: the investigation is still running.' }));
    const radius = plan.blastRadius || {};
    const facts = [];
    if (radius.owners) facts.push(`owners: ${radius.owners.map((o) => `${o.kind}/${o.name}${o.replicas !== undefined ? ` (${o.replicas} replicas)` : ''}`).join(' → ') || 'none (bare pod)'}`);
    if (radius.image) facts.push(`image: ${radius.image}${radius.recreatedFromSameImage ? ' (a replacement runs the same image)' : ''}`);
    if (radius.siblingPods) {
      const count = radius.siblingPodCount !== undefined ? radius.siblingPodCount : radius.siblingPods.length;
      facts.push(`sibling pods: ${count === 0 ? 'none' : `${count}: ${radius.siblingPods.join(', ')}${count > radius.siblingPods.length ? ', …' : ''}`}`);
    }
    if (radius.networkPolicyEnforced !== undefined) facts.push(`network policy enforced: ${radius.networkPolicyEnforced ? 'yes' : 'no'}`);
    if (radius.traffic) facts.push(`traffic: ${radius.traffic.map((t) => `${t.percent}% ${t.revision}`).join(', ')}; ingress ${radius.ingress}`);
    for (const note of radius.notes || []) facts.push(note);
    return section(
      'Plan',
      'plan',
      el('p', { class: 'mono' }, `plan ${plan.hash.slice(0, 16)}…`, plan.dryRun ? el('strong', { text: ' dry run: nothing will be changed' }) : null),
      el('ul', {}, plan.actions.map((a) => el('li', { 'data-testid': 'plan-action' }, el('strong', { text: a.action }), a.destructive ? el('span', { class: 'destructive', text: ' destructive' }) : null, `: ${a.effect}`))),
      // Notes say what was passed over and why, and what the research added: not all of them are omissions.
      plan.notes.length ? el('ul', { class: 'muted', 'data-testid': 'plan-notes' }, plan.notes.map((n) => el('li', { text: `note: ${n}` }))) : null,
      el('h3', { text: 'Blast radius' }),
      el('ul', { 'data-testid': 'blast-radius' }, facts.map((f) => el('li', { text: f }))),
      plan.manualSteps && plan.manualSteps.length ? el('h3', { text: 'By hand' }) : null,
      plan.manualSteps && plan.manualSteps.length ? el('ol', { 'data-testid': 'manual-steps' }, plan.manualSteps.map((m) => el('li', { text: m }))) : null,
      el('p', { class: 'advice', text: plan.advice }),
    );
  }

  function caseLink(id) {
    return /^case-[0-9a-f]{12}$/.test(id) ? el('a', { href: `/cases/${id}`, 'data-testid': 'case-link', text: id }) : el('span', { class: 'mono', text: id });
  }

  /** What became of a related finding here. */
  function fateOf(related) {
    if (related.here) return el('span', { class: 'muted', text: 'joined this case' });
    if (related.caseId) return el('span', {}, 'in ', caseLink(related.caseId), ` (${related.caseStatus})`);
    if (related.disposition) return el('span', { class: 'muted', text: `set aside at intake: ${related.disposition}` });
    return el('span', { class: 'muted', text: 'not received here' });
  }

  function campaignLink(id) {
    return /^campaign-[0-9a-f]{12}$/.test(id) ? el('a', { href: `/campaigns/${id}`, 'data-testid': 'campaign-link', text: id }) : el('span', { class: 'mono', text: id });
  }

  const indicatorKinds = { 'script-sha256': 'script', 'binary-sha256': 'binary', 'image-digest': 'image' };

  function indicatorOf(campaign) {
    return `${indicatorKinds[campaign.kind] || campaign.kind} ${campaign.indicator}${campaign.category ? ` running ${campaign.category}` : ''}`;
  }

  function statusCounts(byStatus) {
    return Object.entries(byStatus).sort((a, b) => b[1] - a[1]).map(([status, n]) => `${n} ${status}`).join(', ');
  }

  /** The case's campaigns: a campaign of one is the case alone, and says so. */
  function campaignSection(detail) {
    const campaigns = detail.campaigns || [];
    if (campaigns.length === 0) return null;
    return section(
      'Campaign',
      'campaigns',
      el('ul', {}, campaigns.map((c) => el('li', { 'data-testid': 'case-campaign' }, campaignLink(c.id), c.cases > 1 ? `: ${c.cases} cases on ${c.pods} pods in ${c.clusters} cluster(s) share the ${indicatorOf(c)}` : `: no other case shares the ${indicatorOf(c)} yet`))),
    );
  }

  function relatedSection(detail) {
    return section(
      'Related findings',
      'related',
      detail.related.length === 0
        ? el('p', { class: 'muted', text: 'None: step 1 found no other finding for this container near this time.' })
        : el('ul', {}, detail.related.map((r) => el('li', { 'data-testid': 'related-finding' }, el('span', { class: 'mono', text: r.name }), ` ${r.category} [${r.severity}] ${when(r.eventTime)}: `, fateOf(r)))),
      detail.otherCases.length ? el('h3', { text: 'Other cases for this subject' }) : null,
      detail.otherCases.length ? el('ul', {}, detail.otherCases.map((o) => el('li', { 'data-testid': 'other-case' }, caseLink(o.id), ` ${o.status} · ${o.category} · opened ${when(o.openedAt)}`))) : null,
    );
  }

  function decisionForm(detail) {
    if (!detail.canDecide) return null;
    const pending = detail.live.pending;
    const reason = el('textarea', { name: 'reason', rows: 2, placeholder: 'reason (recorded in the case)', 'data-testid': 'decision-reason' });
    const falsePositive = el('input', { type: 'checkbox', name: 'falsePositive' });
    const message = el('p', { role: 'status', 'data-testid': 'decision-message' });
    const decide = async (decision) => {
      for (const button of form.querySelectorAll('button')) button.disabled = true;
      try {
        const result = await api(`/api/cases/${detail.case.id}/decision`, {
          method: 'POST',
          body: JSON.stringify({ decision, planHash: pending.planHash, ...(reason.value ? { reason: reason.value } : {}), ...(decision === 'reject' && falsePositive.checked ? { falsePositive: true } : {}) }),
        });
        const done = { approve: 'Approved: containment starts now.', reject: 'Rejected: nothing will be changed.', close: 'Closed: nothing to contain.', watch: 'Kept open: a finding that joins makes a new plan.' };
        message.textContent = result.approvalsNeeded > 0 ? `${decision} recorded; ${result.approvalsNeeded} more approval(s) needed` : done[decision];
      } catch (error) {
        message.textContent = error.message;
        for (const button of form.querySelectorAll('button')) button.disabled = false;
      }
    };
    const form = el(
      'form',
      { class: 'decide', 'data-testid': 'decision-form' },
      el('p', {}, `Waiting for ${pending.approvalsNeeded} approval(s) of plan ${pending.planHash.slice(0, 12)}…`),
      reason,
      el('label', {}, falsePositive, ' a rejection marks the finding a false positive (muted in SCC)'),
      // A plan that contains nothing is closed or kept under watch; one that contains is approved or rejected.
      detail.plan && !detail.plan.actions.some((a) => a.destructive)
        ? el('div', {}, el('button', { type: 'button', class: 'approve', 'data-testid': 'close', onclick: () => decide('close'), text: 'Close' }), el('button', { type: 'button', 'data-testid': 'watch', onclick: () => decide('watch'), text: 'Keep watching' }), el('button', { type: 'button', class: 'reject', 'data-testid': 'reject', onclick: () => decide('reject'), text: 'Reject' }))
        : el('div', {}, el('button', { type: 'button', class: 'approve', 'data-testid': 'approve', onclick: () => decide('approve'), text: 'Approve' }), el('button', { type: 'button', class: 'reject', 'data-testid': 'reject', onclick: () => decide('reject'), text: 'Reject' })),
      message,
    );
    return section('Decision', 'decision', form);
  }

  async function casePage(caseId) {
    let lastStatus;
    let keptDecision;
    let evidence;
    let logs;
    let timelineLength = -1;
    async function render(detail) {
      // Evidence and log entries only change with the timeline: read them again when it grows.
      if (detail.timeline.length !== timelineLength) {
        [evidence, logs] = await Promise.all([api(`/api/cases/${caseId}/evidence`), api(`/api/cases/${caseId}/logs`)]);
        timelineLength = detail.timeline.length;
      }
      const c = detail.case;
      const steps = stepsOf(detail);
      const decisionNode = lastStatus === c.status && keptDecision ? keptDecision : decisionForm(detail);
      keptDecision = decisionNode;
      lastStatus = c.status;
      show(
        el('p', {}, el('a', { href: '/', text: '← all cases' })),
        el('h1', {}, `${c.id} `, badge(c.status), c.outcome ? el('span', { class: 'muted', 'data-testid': 'case-outcome', text: ` ${c.outcome}` }) : null, c.dryRun ? el('span', { class: 'muted', text: ' (dry run)' }) : null),
        el('p', { class: 'mono', text: c.subjectKey }),
        el('p', {}, `${c.category} · ${c.severity} · opened ${when(c.openedAt)}${c.readyAt ? ` · ready ${when(c.readyAt)}` : ''}${c.containedAt ? ` · contained ${when(c.containedAt)}` : ''}`),
        detail.liveError ? el('p', { class: 'muted', text: `Showing the record only: ${detail.liveError}` }) : null,
        detail.temporal
          ? el('p', { class: 'warning', 'data-testid': 'temporal-status', text: detail.temporal.stuck ? `Temporal: the run is stuck: ${detail.temporal.stuck}. The way out: scc-responder case repair ${c.id}` : `Temporal: the run is ${detail.temporal.status}${detail.temporal.closedAt ? ` since ${when(detail.temporal.closedAt)}` : ''}${detail.temporal.reason ? ` (${detail.temporal.reason})` : ''}, while the record says ${c.status}.` })
          : null,
        section('Findings', 'findings', el('ul', {}, detail.findings.map((f) => el('li', {}, el('span', { class: 'mono', text: f.name }), ` ${f.category} [${f.severity}] ${when(f.eventTime)}`)))),
        relatedSection(detail),
        campaignSection(detail),
        section(
          'Investigation',
          'timeline',
          el('ol', { class: 'steps' }, steps.map((s) => el('li', { class: s.outcome === 'gap' || s.outcome === 'sampled' ? s.outcome : 'ok', 'data-testid': 'step', 'data-step': s.step, 'data-outcome': s.outcome }, el('strong', { text: s.step }), s.outcome === 'gap' ? el('span', { class: 'gap-label', text: ' GAP' }) : s.outcome === 'sampled' ? el('span', { class: 'sampled-label', text: ' SAMPLED' }) : null, ` ${s.summary}`, s.gap ? el('div', { class: 'muted', text: s.gap.reason }) : null))),
          terminal.has(c.status) || detail.plan ? null : el('p', { class: 'muted', text: 'Steps are running; this page follows them.' }),
          detail.gaps.length ? el('ul', { class: 'gaps', 'data-testid': 'gaps' }, detail.gaps.map((g) => el('li', { text: `${g.step}: ${g.reason}` }))) : null,
        ),
        section(
          'Evidence',
          'evidence',
          el(
            'table',
            {},
            el('thead', {}, el('tr', {}, ['kind', 'sha256', 'bytes', 'check against the finding', 'source', 'download (recorded)'].map((h) => el('th', { text: h })))),
            el(
              'tbody',
              {},
              evidence.artifacts.map((a) =>
                el(
                  'tr',
                  { 'data-testid': 'artifact' },
                  el('td', { text: a.kind }),
                  el('td', { class: 'mono', text: a.sha256 }),
                  el('td', { text: a.size }),
                  el('td', { text: a.hashCheck }),
                  el('td', { class: 'mono', text: a.source.path ? `${a.source.pod}/${a.source.container}:${a.source.path}` : 'queries' }),
                  el('td', {}, el('a', { href: `/api/cases/${caseId}/evidence/${a.sha256}`, download: true, 'data-testid': 'download', text: 'download' }), a.downloads.length ? el('div', { class: 'muted', text: `by ${a.downloads.map((d) => `${d.by} ${when(d.at)}`).join(', ')}` }) : null),
                ),
              ),
            ),
          ),
          el('h3', { text: 'VirusTotal' }),
          el('ul', { 'data-testid': 'virustotal' }, evidence.virusTotal.map((v) => el('li', { class: 'mono', text: v.status === 'found' ? `${v.sha256}: ${v.malicious} malicious, ${v.suspicious} suspicious, ${v.undetected} undetected${v.names && v.names.length ? ` (${v.names.join(', ')})` : ''}` : `${v.sha256}: ${v.status === 'unknown' ? 'unknown (not seen: unknown is not clean)' : 'not configured'}` }))),
          el('h3', { text: 'MITRE ATT&CK' }),
          el('ul', { 'data-testid': 'mitre' }, evidence.mitre.map((t) => el('li', {}, el('strong', { text: `${t.id} ${t.name}` }), ` (${t.tactic}): ${t.meaning}`))),
        ),
        section(
          'Log entries',
          'logs',
          logs.collections.length === 0 ? el('p', { class: 'muted', text: 'No logs collected.' }) : null,
          logs.collections.flatMap((collection) =>
            collection.queries.map((q) =>
              el(
                'div',
                { 'data-testid': 'log-query', 'data-query': q.name },
                el('h3', { text: `${q.name}: ${q.total}${q.truncated ? '+' : ''} entries${q.total > q.entries.length ? ` (first ${q.entries.length} shown; the artifact holds them all)` : ''}` }),
                el('pre', { class: 'mono', 'data-testid': 'log-filter', text: q.filter }),
                q.logsExplorerUrl ? el('p', {}, el('a', { href: q.logsExplorerUrl, target: '_blank', rel: 'noopener noreferrer', text: 'Open in Logs Explorer' })) : null,
                el('ol', { class: 'log-entries' }, q.entries.map((e) => el('li', { class: 'mono', 'data-testid': 'log-entry', text: `${e.timestamp} ${e.severity} ${e.text}` }))),
              ),
            ),
          ),
        ),
        planSection(detail),
        decisionNode,
        section('Decisions', 'decisions', detail.decisions.length === 0 ? el('p', { class: 'muted', text: 'None yet.' }) : el('ul', {}, detail.decisions.map((d) => el('li', { 'data-testid': 'decision-entry', text: `${d.decision} by ${d.approver} at ${when(d.at)}${d.reason ? `: ${d.reason}` : ''}` })))),
        section('Actions', 'actions', detail.actions.length === 0 ? el('p', { class: 'muted', text: 'None yet.' }) : el('ul', {}, detail.actions.map((a) => el('li', { 'data-testid': 'action', 'data-status': a.status }, el('strong', { text: a.action }), ` on ${a.target}: ${a.status}${a.dryRun ? ' (dry run)' : ''} — ${a.detail}`)))),
      );
    }
    follow(`/api/cases/${caseId}/events`, 'case', render);
  }

  // ---- campaigns -----------------------------------------------------------------------
  async function campaignListPage() {
    const body = el('tbody');
    show(
      el('h1', { text: 'Campaigns' }),
      el('p', { class: 'muted', text: 'Cases whose findings share a script, a binary, or an image with the category, while they keep coming.' }),
      el('table', { 'data-testid': 'campaign-list' }, el('thead', {}, el('tr', {}, ['campaign', 'shared', 'cases', 'pods', 'clusters', 'projects', 'cases by status', 'last case'].map((h) => el('th', { text: h })))), body),
    );
    const { campaigns } = await api('/api/campaigns');
    body.replaceChildren(
      ...(campaigns.length === 0
        ? [el('tr', {}, el('td', { colspan: 8, class: 'muted', text: 'No campaign: no two cases share a script, binary or image.' }))]
        : campaigns.map((c) =>
            el(
              'tr',
              { 'data-testid': 'campaign-row', 'data-campaign': c.id },
              el('td', {}, campaignLink(c.id)),
              el('td', { class: 'mono', text: indicatorOf(c) }),
              el('td', { text: c.cases }),
              el('td', { text: c.pods }),
              el('td', { text: c.clusters }),
              el('td', { text: c.projects }),
              el('td', { text: statusCounts(c.byStatus) }),
              el('td', { text: when(c.lastCaseAt) }),
            ),
          )),
    );
  }

  function campaignDecisionForm(c) {
    if (!c.canDecide || !c.plan) return null;
    const reason = el('textarea', { name: 'reason', rows: 2, placeholder: 'reason (recorded in every case)', 'data-testid': 'campaign-decision-reason' });
    const message = el('p', { role: 'status', 'data-testid': 'campaign-decision-message' });
    const decide = async (decision) => {
      for (const button of form.querySelectorAll('button')) button.disabled = true;
      try {
        const result = await api(`/api/campaigns/${c.id}/decision`, { method: 'POST', body: JSON.stringify({ decision, planHash: c.plan.hash, cases: c.plan.cases.map((x) => ({ caseId: x.caseId, planHash: x.planHash })), ...(reason.value ? { reason: reason.value } : {}) }) });
        const refused = result.cases.filter((x) => x.outcome === 'refused');
        const unanswered = result.cases.filter((x) => x.outcome === 'unanswered');
        message.textContent = `${decision} sent to ${result.cases.length} case(s)${refused.length ? `; ${refused.length} refused: ${refused.map((x) => `${x.caseId} (${x.error})`).join('; ')}` : ''}${unanswered.length ? `; ${unanswered.length} did not answer (see each case; decide again for those still waiting)` : ''}`;
      } catch (error) {
        message.textContent = error.message;
        for (const button of form.querySelectorAll('button')) button.disabled = false;
      }
    };
    const form = el(
      'form',
      { class: 'decide', 'data-testid': 'campaign-decision-form' },
      el('p', {}, `One decision on campaign plan ${c.plan.hash.slice(0, 12)}… for its ${c.plan.cases.length} waiting case(s); each case judges it on its own plan.`),
      reason,
      el('div', {}, el('button', { type: 'button', class: 'approve', 'data-testid': 'campaign-approve', onclick: () => decide('approve'), text: 'Approve all' }), el('button', { type: 'button', class: 'reject', 'data-testid': 'campaign-reject', onclick: () => decide('reject'), text: 'Reject all' })),
      message,
    );
    return form;
  }

  function campaignPlanSection(c, form) {
    const plan = c.plan;
    return section(
      'Plan',
      'campaign-plan',
      plan
        ? el(
            'div',
            {},
            el('p', { 'data-testid': 'campaign-plan-summary' }, `${plan.cases.length} case(s) wait for a decision on plan `, el('span', { class: 'mono', 'data-testid': 'campaign-plan-hash', text: plan.hash }), `: ${Object.entries(plan.actions).map(([action, n]) => `${action} ×${n}`).join(', ')}. It touches ${plan.blastRadius.destructiveCases} pod(s) of ${plan.blastRadius.workloads.length} workload(s) with ${plan.blastRadius.replicas} replica(s) in all.`),
            el('ul', {}, plan.blastRadius.workloads.map((w) => el('li', { class: 'mono', 'data-testid': 'campaign-plan-workload', text: w }))),
            (plan.changes ?? []).length
              ? el('ol', {}, plan.changes.map((change) => el('li', { 'data-testid': 'campaign-plan-change' }, el('strong', { text: change.action }), ` · in ${change.cases} case plan(s): `, el('span', { text: change.effect }))))
              : null,
            form,
          )
        : el('p', { class: 'muted', text: 'No case of this campaign waits for a decision.' }),
      c.decisions.length
        ? el(
            'ul',
            {},
            c.decisions.map((d) =>
              el('li', { 'data-testid': 'campaign-decision' }, `${d.decision} by ${d.approver} ${when(d.at)} on plan ${d.planHash.slice(0, 12)}…: ${d.cases.filter((x) => x.outcome === 'recorded').length} recorded, ${d.cases.filter((x) => x.outcome === 'refused').length} refused${d.cases.some((x) => x.outcome === 'unanswered') ? `, ${d.cases.filter((x) => x.outcome === 'unanswered').length} unanswered (sending stopped or could not reach them: see each case)` : ''}${d.reason ? ` · ${d.reason}` : ''}`),
            ),
          )
        : null,
    );
  }

  async function campaignPage(campaignId) {
    let keptForm;
    let keptHash;
    follow(`/api/campaigns/${campaignId}/events`, 'campaign', (c) => {
      // What an approver is typing survives a refresh while the plan stays the same.
      const hash = c.plan && c.canDecide ? c.plan.hash : undefined;
      if (hash !== keptHash) keptForm = campaignDecisionForm(c);
      keptHash = hash;
      const where = (m) => (m.runtime === 'gke' ? `${m.cluster} ${m.namespace}/${m.pod}` : `${m.service}${m.revision ? ` ${m.revision}` : ''}`);
      show(
        el('p', {}, el('a', { href: '/campaigns', text: '← all campaigns' })),
        el('h1', { text: c.id }),
        el('p', { class: 'mono', 'data-testid': 'campaign-indicator', text: indicatorOf(c) }),
        el('ul', { class: 'facts', 'data-testid': 'campaign-facts' }, [
          el('li', {}, el('strong', { text: c.cases }), ' cases'),
          el('li', {}, el('strong', { text: c.pods }), ' pods'),
          el('li', {}, el('strong', { text: c.workloads.length }), ' workloads'),
          el('li', {}, el('strong', { text: c.clusters }), ' clusters'),
          el('li', {}, el('strong', { text: c.projects }), ' projects'),
        ]),
        el('p', {}, `${statusCounts(c.byStatus)} · first case ${when(c.firstCaseAt)} · last ${when(c.lastCaseAt)}`),
        campaignPlanSection(c, keptForm),
        section('Workloads', 'campaign-workloads', c.workloads.length ? el('ul', {}, c.workloads.map((w) => el('li', { class: 'mono', 'data-testid': 'campaign-workload', text: w }))) : el('p', { class: 'muted', text: 'None known yet: each comes from its case’s pod step.' })),
        section(
          'Cases',
          'campaign-cases',
          el(
            'table',
            {},
            el('thead', {}, el('tr', {}, ['case', 'status', 'project', 'where', 'workload', 'image', 'evidence', 'joined'].map((h) => el('th', { text: h })))),
            el(
              'tbody',
              {},
              c.members.map((m) =>
                el(
                  'tr',
                  { 'data-testid': 'campaign-case', 'data-case': m.caseId },
                  el('td', {}, caseLink(m.caseId)),
                  el('td', {}, badge(m.status)),
                  el('td', { text: m.project }),
                  el('td', { class: 'mono', text: where(m) }),
                  el('td', { text: m.workload || '—' }),
                  el('td', { class: 'mono', text: m.image || '—' }),
                  el('td', { 'data-testid': 'campaign-evidence', text: m.evidence === 'sampled' ? 'sampled' : m.evidence === 'collected' ? 'collected' : '—' }),
                  el('td', { text: when(m.joinedAt) }),
                ),
              ),
            ),
          ),
          c.members.length < c.cases ? el('p', { class: 'muted', text: `The first ${c.members.length} of ${c.cases} cases are shown.` }) : null,
        ),
      );
    });
  }

  async function route() {
    if (stream) stream.close();
    stream = undefined;
    const path = location.pathname;
    if (path === '/login') return loginPage();
    try {
      const me = await api('/api/me');
      document.getElementById('who').replaceChildren(el('span', { 'data-testid': 'who', text: `${me.email}${me.approver ? ' (approver)' : ''}` }), me.via === 'lab' ? el('button', { type: 'button', class: 'link', text: 'sign out', onclick: async () => { await api('/api/session', { method: 'DELETE' }); location.assign('/login'); } }) : null);
      const match = /^\/cases\/(case-[0-9a-f]{12})$/.exec(path);
      const campaign = /^\/campaigns\/(campaign-[0-9a-f]{12})$/.exec(path);
      if (match) await casePage(match[1]);
      else if (campaign) await campaignPage(campaign[1]);
      else if (path === '/campaigns') await campaignListPage();
      else await listPage();
    } catch (error) {
      failure(error);
    }
  }

  window.addEventListener('popstate', route);
  route();
})();
