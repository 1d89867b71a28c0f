import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { CaseRow, CaseStore } from '../cases/case-store';
import { campaignPlanHash, type CampaignDecisionRecord } from '../cases/campaign-plan';
import { caseGaps } from '../cases/gaps';
import { differsFromRecord, executionStatus } from '../cases/workflow-execution';
import type { investigateCase } from '../workflows/investigate-case';
import { revertCase } from '../workflows/revert-case';
import { causesOf } from '../util/cause-chain';
import { bounded } from '../util/bounded';
import { decideUpdate, isApprover, refreshDecisionKeysSignal, statusQuery, type CaseSnapshot, type Policy } from '../workflows/shared';
import { notPendingYet } from '../workflows/decision-rules';
import { CampaignDecisionRequest, CampaignDecisionResult, CampaignDetail, CampaignIdParam, CampaignList, CaseDetail, CaseIdParam, CaseList, CaseListQuery, type CaseSummary, DecisionRequest, DecisionResult, ErrorBody, EvidenceBody, EvidenceParam, LogsBody, Me, RevertRequest, RevertResult, SignInRequest } from './api-schemas';
import type { EvidenceStore } from '../cases/evidence-store';
import type { LogQueryResult, LogWindow } from '../cloud/logging';
import type { DecisionAuthority } from './decision-authority';
import { mayView, type Authenticator, type Identity } from './auth/identity';
import { LocalUsersAuthenticator } from './auth/local-users';
import { boundedBodies, maxCampaignDecisionBytes, originHost, withSecurityHeaders } from './response-guards';
import { slackInteractions, type DecideAs, type DecidingIdentity, type SlackInteractionsDeps } from './slack-interactions';
import { CaseStreams, type StreamSettings } from './case-streams';
import { relatedOf } from './related-cases';

/** The JSON API under /api: cases, evidence metadata and decisions, for the console and for scripts. */

export interface ApiDeps {
  store: CaseStore;
  client: Client;
  /** Who may decide (the workflow checks again: it holds the policy the case started with). */
  policy: Pick<Policy, 'approvers'>;
  /** Signs what a signed-in approver decided; without it the API decides nothing. */
  authority?: DecisionAuthority;
  /** Where reverts run: the workers' task queue and the deployment's workflow ID prefix. */
  temporal?: { taskQueue: string; workflowIdPrefix: string };
  authenticator: Authenticator;
  /** Who may read cases; everyone the authenticator admits when absent. */
  viewers?: string[];
  /** Mark the lab's session cookie Secure (behind TLS). */
  secureCookies?: boolean;
  /** How long to wait for a workflow to answer a status query before showing the record alone. */
  queryTimeoutMs?: number;
  /** Where the evidence is read back (checked against its hash) for downloads and log entries. */
  evidence?: Pick<EvidenceStore, 'get'>;
  /** Decisions from a Slack app's buttons, at POST /slack/interactions. */
  slack?: SlackInteractionsDeps;
  /** How the console's live streams are bounded (defaults suit a security team's browsers). */
  streams?: StreamSettings;
}

type Env = { Variables: { identity: Identity } };

/** The socket's peer, for counting sign-in attempts (a forwarded-for header is the caller's to write). */
function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

const json = (schema: z.ZodType, description: string) => ({ content: { 'application/json': { schema } }, description });
const problem = (description: string) => json(ErrorBody, description);
const secured: Record<string, string[]>[] = [{ iap: [] }, { bearer: [] }, { session: [] }];

function summaryOf(row: CaseRow): z.infer<typeof CaseSummary> {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    runId: row.run_id,
    subjectKey: row.subject_key,
    runtime: row.runtime,
    project: row.project,
    cluster: row.cluster,
    service: row.service,
    category: row.category,
    severity: row.severity,
    status: row.status,
    outcome: row.outcome,
    dryRun: row.dry_run,
    openedAt: row.opened_at,
    readyAt: row.ready_at,
    decidedAt: row.decided_at,
    containedAt: row.contained_at,
    closedAt: row.closed_at,
  };
}

const caseProblems = { 400: problem('Not a case ID'), 401: problem('Not signed in'), 403: problem('Not a viewer'), 404: problem('No such case') };

function readCaseRoute<P extends string>(path: P, summary: string, schema: z.ZodType, description: string) {
  return createRoute({ method: 'get', path, tags: ['cases'], summary, security: secured, request: { params: CaseIdParam }, responses: { 200: json(schema, description), ...caseProblems } });
}

const routes = {
  me: createRoute({ method: 'get', path: '/api/me', tags: ['session'], summary: 'Who the caller is, and whether they may decide', security: secured, responses: { 200: json(Me, 'The caller'), 401: problem('Not signed in') } }),
  signIn: createRoute({
    method: 'post',
    path: '/api/session',
    tags: ['session'],
    summary: 'Sign in as a lab user (lab authentication only); sets the session cookie',
    request: { body: { content: { 'application/json': { schema: SignInRequest } }, required: true } },
    responses: {
      200: json(Me, 'Signed in'),
      400: problem('Malformed request'),
      401: problem('Unknown user or wrong password'),
      415: problem('The body is not JSON'),
      404: problem('Sign-in is handled by the identity-aware proxy or OIDC provider'),
      429: problem('Too many failed sign-ins for this user or address, or too many at once: wait as Retry-After says'),
    },
  }),
  signOut: createRoute({ method: 'delete', path: '/api/session', tags: ['session'], summary: 'Sign out: ends the session server-side and clears its cookie', responses: { 204: { description: 'Signed out' } } }),
  listCases: createRoute({
    method: 'get',
    path: '/api/cases',
    tags: ['cases'],
    summary: 'Cases, newest first, filtered by status, category, cluster, service and severity',
    security: secured,
    request: { query: CaseListQuery },
    responses: { 200: json(CaseList, 'The matching cases'), 400: problem('A filter is not valid'), 401: problem('Not signed in'), 403: problem('Not a viewer') },
  }),
  getCase: readCaseRoute('/api/cases/{caseId}', 'One case: findings, timeline with gaps, plan with blast radius, decisions, actions and live status', CaseDetail, 'The case'),
  getEvidence: readCaseRoute('/api/cases/{caseId}/evidence', 'Evidence metadata: artifacts with their hashes and chain of custody, VirusTotal verdicts, MITRE ATT&CK context', EvidenceBody, 'The evidence'),
  getLogs: readCaseRoute('/api/cases/{caseId}/logs', 'The log entries step 4 collected, per query, with the filter that produced them (bounded: the artifact holds them all)', LogsBody, 'The log entries'),
  downloadEvidence: createRoute({
    method: 'get',
    path: '/api/cases/{caseId}/evidence/{sha256}',
    tags: ['cases'],
    summary: "One artifact's bytes, checked against its hash; each download is recorded in the artifact's chain of custody",
    security: secured,
    request: { params: EvidenceParam },
    responses: {
      200: { description: 'The artifact, as collected', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
      ...caseProblems,
      409: problem('The stored bytes no longer match the hash: the artifact was altered'),
      503: problem('This server cannot read the evidence store'),
    },
  }),
  caseEvents: createRoute({
    method: 'get',
    path: '/api/cases/{caseId}/events',
    tags: ['cases'],
    summary: 'Server-sent events: the case (as GET /api/cases/{caseId} has it) at once, then again whenever it changes',
    description: 'Event `case` carries the case; `signed-out` ends a stream whose credentials stopped being valid; `gone` a case that is no longer there. A stream ends after a few minutes and the browser reconnects.',
    security: secured,
    request: { params: CaseIdParam },
    responses: { 200: { description: 'The stream', content: { 'text/event-stream': { schema: z.string() } } }, ...caseProblems, 429: problem('Too many streams for this viewer'), 503: problem('Too many streams on this server') },
  }),
  listEvents: createRoute({
    method: 'get',
    path: '/api/case-events',
    tags: ['cases'],
    summary: 'Server-sent events: the case list (as GET /api/cases has it, same filters) at once, then again whenever it changes',
    security: secured,
    request: { query: CaseListQuery },
    responses: { 200: { description: 'The stream', content: { 'text/event-stream': { schema: z.string() } } }, 400: problem('A filter is not valid'), 401: problem('Not signed in'), 403: problem('Not a viewer'), 429: problem('Too many streams for this viewer'), 503: problem('Too many streams on this server') },
  }),
  listCampaigns: createRoute({
    method: 'get',
    path: '/api/campaigns',
    tags: ['campaigns'],
    summary: 'Campaigns of two cases or more, most recently active first: cases whose findings share a script, a binary or an image',
    security: secured,
    responses: { 200: json(CampaignList, 'The campaigns'), 401: problem('Not signed in'), 403: problem('Not a viewer') },
  }),
  getCampaign: createRoute({
    method: 'get',
    path: '/api/campaigns/{campaignId}',
    tags: ['campaigns'],
    summary: 'One campaign: its cases, and the pods, workloads, clusters and projects they run in',
    security: secured,
    request: { params: CampaignIdParam },
    responses: { 200: json(CampaignDetail, 'The campaign'), 400: problem('Not a campaign ID'), 401: problem('Not signed in'), 403: problem('Not a viewer'), 404: problem('No such campaign') },
  }),
  campaignEvents: createRoute({
    method: 'get',
    path: '/api/campaigns/{campaignId}/events',
    tags: ['campaigns'],
    summary: 'Server-sent events: the campaign (as GET /api/campaigns/{campaignId} has it) at once, then again whenever one of its cases changes or another joins',
    security: secured,
    request: { params: CampaignIdParam },
    responses: { 200: { description: 'The stream', content: { 'text/event-stream': { schema: z.string() } } }, 400: problem('Not a campaign ID'), 401: problem('Not signed in'), 403: problem('Not a viewer'), 404: problem('No such campaign'), 429: problem('Too many streams for this viewer'), 503: problem('Too many streams on this server') },
  }),
  decide: createRoute({
    method: 'post',
    path: '/api/cases/{caseId}/decision',
    tags: ['cases'],
    summary: "Approve or reject the case's current plan, as the signed-in user (the same Update as `scc-responder approve|reject`)",
    security: secured,
    request: { params: CaseIdParam, body: { content: { 'application/json': { schema: DecisionRequest } }, required: true } },
    responses: {
      200: json(DecisionResult, 'Recorded'),
      400: problem('Malformed decision'),
      415: problem('The body is not JSON'),
      401: problem('Not signed in'),
      403: problem('Not an approver, or a cross-site request'),
      404: problem('No such case'),
      409: problem('Refused by the case: not waiting for a decision, stale plan, repeated approver'),
      503: problem('This server has no decision signing key'),
    },
  }),
  decideCampaign: createRoute({
    method: 'post',
    path: '/api/campaigns/{campaignId}/decision',
    tags: ['campaigns'],
    summary: "One decision on the campaign's plan, as the signed-in user: each deciding case gets it, signed, on its own plan hash",
    security: secured,
    request: { params: CampaignIdParam, body: { content: { 'application/json': { schema: CampaignDecisionRequest } }, required: true } },
    responses: {
      200: json(CampaignDecisionResult, "Sent to each case; what each answered (a case may refuse: a repeated approver, a plan changed in the meantime; one that could not be reached is unanswered)"),
      400: problem('Malformed decision'),
      415: problem('The body is not JSON'),
      401: problem('Not signed in'),
      403: problem('Not an approver, or a cross-site request'),
      404: problem('No such campaign'),
      409: problem("The campaign's plan is not the one named (a case joined, re-planned or was decided), or none of its cases waits for a decision"),
      503: problem('This server has no decision signing key, or no case could be reached (the decision is on record, unanswered)'),
    },
  }),
  revert: createRoute({
    method: 'post',
    path: '/api/cases/{caseId}/revert',
    tags: ['cases'],
    summary: "Undo a closed case's containment, as the signed-in approver (what `scc-responder revert` does)",
    security: secured,
    request: { params: CaseIdParam, body: { content: { 'application/json': { schema: RevertRequest } }, required: true } },
    responses: {
      200: json(RevertResult, 'Reverted, or what a dry run would revert'),
      400: problem('Malformed request'),
      401: problem('Not signed in'),
      403: problem('Not an approver, or a cross-site request'),
      404: problem('No such case'),
      409: problem('Refused: a revert of this case is already running, or the workflow refused it'),
      503: problem('This server has no decision signing key'),
    },
  }),
};

/** Entries shown per query: enough to read what happened; the artifact holds them all. */
const shownPerQuery = 50;

/** A link that opens the same filter over the same window in Logs Explorer; every part encoded, so nothing from a finding shapes the URL. */
export function logsExplorerUrl(project: string, filter: string, window: Pick<LogWindow, 'from' | 'to'>): string | null {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) return null;
  return `https://console.cloud.google.com/logs/query;query=${encodeURIComponent(filter)};timeRange=${encodeURIComponent(`${window.from}/${window.to}`)}?project=${encodeURIComponent(project)}`;
}

/** The methods a path answers to, for a 405 that says which (empty: no such path). */
export function allowedMethods(path: string): string[] {
  return Object.values(routes)
    .filter((route) => new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
    .map((route) => route.method.toUpperCase());
}

export function createApi(deps: ApiDeps): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        return c.json({ error: issue ? `${issue.path.join('.') || 'request'}: ${issue.message}` : 'malformed request' }, 400);
      }
      return undefined;
    },
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'iap', { type: 'apiKey', in: 'header', name: 'x-goog-iap-jwt-assertion', description: 'Production behind Identity-Aware Proxy: the signed assertion IAP adds' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "Production with an OIDC provider: the caller's ID token" });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'scc_session', description: 'The lab: a local user signed in through POST /api/session (HTTP Basic also works)' });

  app.use('*', withSecurityHeaders());
  const bounded64k = boundedBodies();
  const boundedCampaignDecision = boundedBodies(maxCampaignDecisionBytes);
  app.use('/api/*', (c, next) => (/^\/api\/campaigns\/[^/]+\/decision$/.test(c.req.path) ? boundedCampaignDecision : bounded64k)(c, next));
  const open = new Set(['/api/openapi.json', '/api/session']);
  app.use('/api/*', async (c, next) => {
    if (open.has(c.req.path)) return next();
    const address = peerAddress(c);
    const outcome = await deps.authenticator.identify({ get: (name) => c.req.header(name), ...(address ? { address } : {}) });
    if ('status' in outcome) return c.json({ error: outcome.reason }, outcome.status);
    if (!mayView(deps.viewers, outcome.identity.email)) return c.json({ error: `${outcome.identity.email} may not view cases` }, 403);
    // Browsers send cookies on cross-site requests: the lab's session, and IAP's own, from which
    // the proxy makes its assertion. So a change must come from the console's own origin.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && originHost(origin) !== c.req.header('host')) return c.json({ error: `a change from ${JSON.stringify(origin.slice(0, 200))} is refused: cross-site request` }, 403);
    }
    c.set('identity', outcome.identity);
    return next();
  });

  const notFound = (caseId: string) => ({ error: `no case ${caseId}` });

  app.openapi(routes.me, (c) => {
    const identity = c.get('identity');
    return c.json({ email: identity.email, via: identity.via, approver: isApprover(deps.policy, identity.email) }, 200);
  });

  app.openapi(routes.signIn, async (c) => {
    if (!(deps.authenticator instanceof LocalUsersAuthenticator)) return c.json({ error: `sign-in is handled by ${deps.authenticator.kind === 'iap' ? 'the identity-aware proxy' : 'the OIDC provider'}` }, 404);
    const { email, password } = c.req.valid('json');
    const result = await deps.authenticator.signIn(email, password, peerAddress(c));
    if ('waitSeconds' in result) return c.json({ error: result.reason }, 429, { 'retry-after': String(result.waitSeconds) });
    if ('refused' in result) return c.json({ error: result.refused }, 401);
    c.header('set-cookie', await deps.authenticator.startSession(result.email, Date.now(), deps.secureCookies ?? false));
    return c.json({ email: result.email, via: 'lab' as const, approver: isApprover(deps.policy, result.email) }, 200);
  });

  app.openapi(routes.signOut, async (c) => {
    if (deps.authenticator instanceof LocalUsersAuthenticator) await deps.authenticator.endSession(c.req.header('cookie'));
    c.header('set-cookie', LocalUsersAuthenticator.clearedSession());
    return c.body(null, 204);
  });

  app.openapi(routes.listCases, async (c) => {
    const query = c.req.valid('query');
    const filter = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));
    const rows = await deps.store.listCases(filter);
    return c.json({ cases: rows.map(summaryOf) }, 200);
  });

  /** Everything the case page shows, as the caller may see it; undefined when there is no such case. */
  const caseDetail = async (caseId: string, identity: Identity): Promise<z.infer<typeof CaseDetail> | undefined> => {
    const row = await deps.store.caseById(caseId);
    const record = row && (await deps.store.getCase(caseId));
    if (!row || !record) return undefined;
    const execution = await executionStatus(deps.client, row.workflow_id, row.run_id).catch(() => undefined);
    const differs = execution && differsFromRecord(execution, row.status);
    const { currentRunId: _current, ...temporalStatus } = execution ?? { status: '' };
    // A run that ended answers queries with what it last knew; only a running one speaks for the case now.
    const running = execution?.status === 'RUNNING';
    let live: CaseSnapshot | undefined;
    let liveError: string | undefined;
    try {
      const handle = deps.client.workflow.getHandle<typeof investigateCase>(row.workflow_id, row.run_id);
      live = await deps.client.withDeadline(Date.now() + (deps.queryTimeoutMs ?? 3_000), () => handle.query(statusQuery));
    } catch (error) {
      liveError = `the workflow did not answer: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    }
    const plan = live?.plan ?? row.plan ?? null;
    const [{ related, otherCases }, campaigns] = await Promise.all([relatedOf(deps.store, row, record), deps.store.campaignsOfCase(caseId)]);
    return {
      case: summaryOf(live && running ? { ...row, status: live.status } : row),
      findings: record.findings.map((f) => ({ name: f.finding_name, category: f.finding.category, severity: f.finding.severity, eventTime: f.finding.eventTime, joinedAt: f.joined_at })),
      related,
      otherCases,
      campaigns,
      timeline: record.timeline.map((t) => ({ key: t.event_key, at: t.at, kind: t.kind, step: t.step, outcome: t.outcome, detail: t.detail })),
      gaps: caseGaps(record.timeline),
      plan,
      decisions: live?.decisions ?? row.decision ?? [],
      actions: record.actions.map((a) => ({ action: a.action, target: a.target, status: a.status, detail: a.detail, at: a.at, dryRun: a.dry_run })),
      live: live ? { status: live.status, steps: live.steps, pending: running ? (live.pending ?? null) : null, refused: live.refused.map((r) => ({ at: r.at, approver: r.approver, reason: r.reason })) } : null,
      ...(liveError ? { liveError } : {}),
      ...(differs ? { temporal: temporalStatus } : {}),
      canDecide: running && Boolean(live?.pending) && isApprover(deps.policy, identity.email),
    } as z.infer<typeof CaseDetail>;
  };

  app.openapi(routes.getCase, async (c) => {
    const { caseId } = c.req.valid('param');
    const detail = await caseDetail(caseId, c.get('identity'));
    if (!detail) return c.json(notFound(caseId), 404);
    return c.json(detail, 200);
  });

  const streams = new CaseStreams(deps.store, deps.streams);
  app.openapi(routes.caseEvents, async (c) => {
    const { caseId } = c.req.valid('param');
    if (!(await deps.store.caseById(caseId))) return c.json(notFound(caseId), 404);
    const identity = c.get('identity');
    return streams.follow(c, { kind: 'case', caseId }, identity, deps.authenticator, deps.viewers, async () => {
      const detail = await caseDetail(caseId, identity);
      return detail ? { event: 'case', data: detail } : { event: 'gone', data: notFound(caseId) };
    }) as never;
  });

  app.openapi(routes.listEvents, async (c) => {
    const query = c.req.valid('query');
    const filter = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));
    const identity = c.get('identity');
    return streams.follow(c, { kind: 'all' }, identity, deps.authenticator, deps.viewers, async () => ({ event: 'cases', data: { cases: (await deps.store.listCases(filter)).map(summaryOf) } })) as never;
  });

  app.openapi(routes.listCampaigns, async (c) => c.json({ campaigns: await deps.store.listCampaigns() }, 200));

  /** A campaign as a reader sees it: its cases, its plan, the decisions on it, and whether this reader may decide. */
  const campaignView = async (campaignId: string, identity: Identity) => {
    const [campaign, plan, decisions] = await Promise.all([deps.store.campaign(campaignId), deps.store.campaignPlan(campaignId), deps.store.campaignDecisions(campaignId)]);
    if (!campaign) return undefined;
    const deciding = plan && plan.cases.length > 0 ? plan : null;
    return { ...campaign, plan: deciding, decisions, canDecide: Boolean(deciding && deps.authority && isApprover(deps.policy, identity.email)) };
  };

  app.openapi(routes.getCampaign, async (c) => {
    const { campaignId } = c.req.valid('param');
    const campaign = await campaignView(campaignId, c.get('identity'));
    if (!campaign) return c.json({ error: `no campaign ${campaignId}` }, 404);
    return c.json(campaign, 200);
  });

  app.openapi(routes.campaignEvents, async (c) => {
    const { campaignId } = c.req.valid('param');
    if (!(await deps.store.campaign(campaignId, 1))) return c.json({ error: `no campaign ${campaignId}` }, 404);
    // Any case may join the campaign, so the stream follows every case and sends only what changed the campaign.
    return streams.follow(c, { kind: 'all' }, c.get('identity'), deps.authenticator, deps.viewers, async () => {
      const campaign = await campaignView(campaignId, c.get('identity'));
      return campaign ? { event: 'campaign', data: campaign } : { event: 'gone', data: { error: `no campaign ${campaignId}` } };
    }) as never;
  });

  app.openapi(routes.getEvidence, async (c) => {
    const { caseId } = c.req.valid('param');
    const record = await deps.store.getCase(caseId);
    if (!record) return c.json(notFound(caseId), 404);
    const research = record.timeline.find((t) => t.event_key === 'evidence:research')?.detail as { mitre?: { id: string; name: string; tactic: string; meaning: string }[]; virusTotal?: Record<string, unknown>[] } | undefined;
    return c.json(
      {
        artifacts: record.evidence.map((e) => ({
          id: e.id,
          kind: e.kind,
          sha256: e.sha256,
          size: e.size,
          source: e.source,
          collector: e.collector,
          collectedAt: e.collected_at,
          hashCheck: e.hash_check,
          findingSha256: e.finding_sha256,
          parentSha256: e.parent_sha256 ?? null,
          downloads: record.timeline
            .filter((t) => t.kind === 'evidence-download' && (t.detail as { sha256?: string }).sha256 === e.sha256)
            .map((t) => ({ by: String((t.detail as { by?: string }).by), via: String((t.detail as { via?: string }).via), at: t.at })),
        })),
        virusTotal: research?.virusTotal ?? [],
        mitre: (research?.mitre ?? []).map((t) => ({ id: t.id, name: t.name, tactic: t.tactic, meaning: t.meaning })),
      },
      200,
    );
  });

  app.openapi(routes.getLogs, async (c) => {
    const { caseId } = c.req.valid('param');
    const record = await deps.store.getCase(caseId);
    if (!record) return c.json(notFound(caseId), 404);
    const collections = [];
    for (const artifact of record.evidence.filter((e) => e.kind === 'logs')) {
      const stored = deps.evidence ? await deps.evidence.get(artifact.sha256).catch(() => undefined) : undefined;
      const content = stored ? (JSON.parse(stored.toString('utf8')) as { window: LogWindow; results: Record<string, LogQueryResult> }) : undefined;
      const source = artifact.source as { window: LogWindow; queries: Record<string, { entries: number; truncated: boolean; query: string }> };
      collections.push({
        sha256: artifact.sha256,
        window: source.window,
        queries: Object.entries(source.queries).map(([name, q]) => ({
          name,
          filter: q.query,
          logsExplorerUrl: logsExplorerUrl(record.case.project, q.query, source.window),
          total: q.entries,
          truncated: q.truncated,
          entries: (content?.results[name]?.entries ?? []).slice(0, shownPerQuery).map((e) => ({ timestamp: e.timestamp, severity: e.severity, logName: e.logName, text: e.text })),
        })),
      });
    }
    return c.json({ collections, shownPerQuery }, 200);
  });

  app.openapi(routes.downloadEvidence, async (c) => {
    const { caseId, sha256 } = c.req.valid('param');
    const record = await deps.store.getCase(caseId);
    if (!record) return c.json(notFound(caseId), 404);
    const artifact = record.evidence.find((e) => e.sha256 === sha256);
    if (!artifact) return c.json({ error: `case ${caseId} holds no artifact ${sha256}` }, 404);
    if (!deps.evidence) return c.json({ error: 'this server has no evidence store configured' }, 503);
    let bytes: Buffer;
    try {
      bytes = await deps.evidence.get(sha256);
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, /altered/.test(String(error)) ? 409 : 503);
    }
    const identity = c.get('identity');
    const at = new Date().toISOString();
    // Recorded before a byte leaves: a download the record does not show did not happen.
    await deps.store.addEvent(caseId, { key: `evidence-download:${sha256}:${at}:${identity.email}`, at, kind: 'evidence-download', outcome: 'ok', detail: { sha256, kind: artifact.kind, by: identity.email, via: identity.via } });
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${caseId}-${artifact.kind}-${sha256.slice(0, 16)}.bin"`,
      'x-content-type-options': 'nosniff',
      'x-scc-sha256': sha256,
    }) as never;
  });

  /** The case and the signer for what an approver asks, or why not: no such case, not an approver, no key to sign with. */
  const approverAsks = async (caseId: string, identity: DecidingIdentity, what: string): Promise<{ status: 403 | 404 | 503; error: string } | { row: CaseRow; authority: DecisionAuthority; temporal: { taskQueue: string; workflowIdPrefix: string } }> => {
    const row = await deps.store.caseById(caseId);
    if (!row) return { status: 404 as const, error: notFound(caseId).error };
    if (!isApprover(deps.policy, identity.email)) return { status: 403 as const, error: `${identity.email} is not on the approvers list` };
    const { authority, temporal } = deps;
    if (!authority || !temporal) return { status: 503 as const, error: `this server has no decision signing key (decisionAuthority.signingKeyFile), so it cannot vouch for ${what}` };
    return { row, authority, temporal };
  };

  /** A decision by someone this server authenticated (a console session, or a verified Slack click), signed and sent to the case. */
  const decideAs: DecideAs = async (caseId, identity, fields) => {
    const asked = await approverAsks(caseId, identity, 'a decision');
    if ('error' in asked) return { status: asked.status, error: asked.error };
    const { row, authority } = asked;
    const handle = deps.client.workflow.getHandle<typeof investigateCase>(row.workflow_id, row.run_id);
    // The approver is who was authenticated, never a name from a body; the workflow checks the signature.
    const signed = authority.sign({ purpose: 'decision', caseId, workflowId: row.workflow_id, runId: row.run_id, ...fields, approver: identity.email, authenticatedVia: identity.via });
    const send = () => handle.executeUpdate(decideUpdate, { args: [{ ...fields, approver: identity.email, signed }] });
    // The record shows a plan a workflow task before the case waits on it: a refusal for that alone is tried again, briefly. (A validator's refusal leaves no trace, so the claim's nonce is unspent.)
    const sendOnceWaiting = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await send();
        } catch (error) {
          if (!(row.status === 'awaiting-decision' && attempt < presentedRetriesMs.length && error instanceof WorkflowUpdateFailedError && refusedAs(error, notPendingYet))) throw error;
          await new Promise((resolve) => setTimeout(resolve, presentedRetriesMs[attempt]));
        }
      }
    };
    try {
      let result;
      try {
        result = await sendOnceWaiting();
      } catch (error) {
        // A case that waited across a key rotation still trusts only the old keys: it reads the workers' keys again, then judges once more.
        if (!(error instanceof WorkflowUpdateFailedError && untrustedKey(error, signed.keyId) && (await caseTrustsKey(handle, signed.keyId)))) throw error;
        result = await send();
      }
      return { status: 200, result: { caseId, status: result.status, approvalsNeeded: result.approvalsNeeded } };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return { status: 409, error: `refused: ${(error.cause as Error | undefined)?.message ?? error.message}` };
      if (error instanceof Error && /workflow execution already completed|not found/i.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? '')}`)) {
        return { status: 409, error: `${caseId} is not waiting for a decision (its workflow has closed)` };
      }
      throw error;
    }
  };

  app.openapi(routes.decide, async (c) => {
    const { caseId } = c.req.valid('param');
    const body = c.req.valid('json');
    const fields = { decision: body.decision, planHash: body.planHash, ...(body.reason ? { reason: body.reason } : {}), ...(body.falsePositive ? { falsePositive: true } : {}) };
    const outcome = await decideAs(caseId, c.get('identity'), fields);
    if ('error' in outcome) return c.json({ error: outcome.error }, outcome.status);
    return c.json(outcome.result, 200);
  });

  if (deps.slack) slackInteractions(app, deps.slack, decideAs);

  app.openapi(routes.decideCampaign, async (c) => {
    const { campaignId } = c.req.valid('param');
    const body = c.req.valid('json');
    const identity = c.get('identity');
    if (!isApprover(deps.policy, identity.email)) return c.json({ error: `${identity.email} is not on the approvers list` }, 403);
    if (!deps.authority || !deps.temporal) return c.json({ error: 'this server has no decision signing key (decisionAuthority.signingKeyFile), so it cannot vouch for a decision' }, 503);
    const plan = await deps.store.campaignPlan(campaignId);
    if (!plan) return c.json({ error: `no campaign ${campaignId}` }, 404);
    if (plan.cases.length === 0) return c.json({ error: `none of the cases of ${campaignId} waits for a decision` }, 409);
    const seen = seenCases(campaignId, body, plan);
    if ('error' in seen) return c.json({ error: seen.error }, seen.status);
    const reason = `campaign ${campaignId} plan ${body.planHash}${body.reason ? `: ${body.reason}` : ''}`;
    const answers: CampaignDecisionRecord['cases'] = seen.cases.map((member) => (seen.moved.has(member.caseId) ? { caseId: member.caseId, planHash: member.planHash, outcome: 'refused', error: seen.moved.get(member.caseId)! } : { caseId: member.caseId, planHash: member.planHash, outcome: 'unanswered' }));
    // On record before any case hears of it: a console that stops part-way leaves the decision, its cases unanswered.
    const recordId = await deps.store.recordCampaignDecision({ campaignId, planHash: body.planHash, decision: body.decision, approver: identity.email, via: identity.via, reason: body.reason ?? null, at: new Date().toISOString(), cases: answers });
    // Each case judges the decision on its own plan hash, with its own rules (four eyes, a repeated approver).
    // Each answer waits for a workflow task of workers busy with the storm, so many are asked at once.
    await bounded(
      answers.map((answer, i) => ({ answer, i })).filter(({ answer }) => answer.outcome === 'unanswered'),
      campaignFanOut,
      async ({ answer, i }) => {
        try {
          const outcome = await decideAs(answer.caseId, identity, { decision: body.decision, planHash: answer.planHash, reason });
          answers[i] = 'error' in outcome ? { ...answer, outcome: 'refused', error: outcome.error } : { ...answer, outcome: 'recorded', approvalsNeeded: outcome.result.approvalsNeeded };
        } catch (error) {
          // Temporal unreachable, a deadline: whether the case took the decision is its own record's to say.
          answers[i] = { ...answer, error: `no answer: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
        }
      },
    );
    await deps.store.settleCampaignDecision(recordId, answers);
    const unanswered = answers.filter((a) => a.outcome === 'unanswered');
    if (unanswered.length > 0 && !answers.some((a) => a.outcome === 'recorded')) {
      return c.json({ error: `no case of ${campaignId} answered (${unanswered[0]!.error}); the decision is on record, its ${unanswered.length} case(s) unanswered: decide again once they can be reached` }, 503);
    }
    return c.json({ campaignId, planHash: body.planHash, decision: body.decision, cases: answers }, 200);
  });

  app.openapi(routes.revert, async (c) => {
    const { caseId } = c.req.valid('param');
    const body = c.req.valid('json');
    const identity = c.get('identity');
    const asked = await approverAsks(caseId, identity, 'a revert');
    if ('error' in asked) return c.json({ error: asked.error }, asked.status);
    const { authority, temporal } = asked;
    const workflowId = `${temporal.workflowIdPrefix}/revert/${caseId}`;
    const signed = authority.sign({ purpose: 'revert', caseId, workflowId, runId: '', planHash: '', decision: 'revert', reason: body.reason, dryRun: body.dryRun === true, approver: identity.email, authenticatedVia: identity.via });
    try {
      const outcome = await deps.client.workflow.execute(revertCase, {
        workflowId,
        taskQueue: temporal.taskQueue,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        args: [{ caseId, requestedBy: identity.email, reason: body.reason, approvers: deps.policy.approvers, dryRun: body.dryRun === true, signed }],
      });
      return c.json(outcome, 200);
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return c.json({ error: `a revert of ${caseId} is already running` }, 409);
      // The workflow's own words: the innermost cause (an activity's refusal arrives wrapped twice).
      if (error instanceof WorkflowFailedError) return c.json({ error: `refused: ${causesOf(error).filter((cause): cause is Error => cause instanceof Error).at(-1)!.message}` }, 409);
      throw error;
    }
  });

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'scc-responder', version: '1', description: 'Cases opened from Security Command Center container threat findings: investigation, evidence, plan, and the human decision before containment.' },
  });

  // The validators' own refusals (malformed JSON, a body that is not JSON) are the caller's error.
  app.onError((error, c) =>
    error instanceof HTTPException && error.status < 500 ? c.json({ error: error.message }, error.status) : c.json({ error: `internal error: ${error.message}`.slice(0, 500) }, 500),
  );
  return app;
}

/**
 * The cases a campaign decision goes to. Named with the cases the approver saw, those of them still
 * waiting on the plan seen: a case that re-planned or was decided since is refused in the answer,
 * and one that joined since is left for a decision of its own (or the campaign's containment, once
 * in place). Named by hash alone, the campaign's plan now, exactly: a decision never reaches a plan
 * its approver did not see.
 */
function seenCases(
  campaignId: string,
  body: { planHash: string; cases?: { caseId: string; planHash: string }[] | undefined },
  plan: { hash: string; cases: { caseId: string; planHash: string }[] },
): { cases: { caseId: string; planHash: string }[]; moved: Map<string, string> } | { status: 400 | 409; error: string } {
  if (!body.cases) {
    if (plan.hash !== body.planHash) return { status: 409, error: `refused: stale plan: the campaign's plan is now ${plan.hash} (${plan.cases.length} case(s) waiting)` };
    return { cases: plan.cases.map(({ caseId, planHash }) => ({ caseId, planHash })), moved: new Map() };
  }
  if (new Set(body.cases.map((c) => c.caseId)).size !== body.cases.length) return { status: 400, error: 'cases: a case is named twice' };
  if (campaignPlanHash(campaignId, body.cases) !== body.planHash) return { status: 400, error: `cases: the cases named are not the plan ${body.planHash} of ${campaignId} (they hash to another)` };
  const waiting = new Map(plan.cases.map((c) => [c.caseId, c.planHash]));
  const moved = new Map(body.cases.filter((c) => waiting.get(c.caseId) !== c.planHash).map((c) => [c.caseId, waiting.has(c.caseId) ? `refused: stale plan: ${c.caseId} re-planned since (its plan is now ${waiting.get(c.caseId)})` : `refused: ${c.caseId} no longer waits for a decision`]));
  if (moved.size === body.cases.length) return { status: 409, error: `refused: stale plan: none of the ${body.cases.length} case(s) of plan ${body.planHash} waits on it any more (the campaign's plan is now ${plan.hash})` };
  return { cases: body.cases, moved };
}

/** How many of a campaign's cases are asked at once: 8 took 18.5 s for 85 cases during a storm of 1,000 findings. */
const campaignFanOut = 32;

/** How long to wait before each new try of a decision on a plan the record shows and the case has not yet taken up. */
const presentedRetriesMs = [200, 400, 800, 1600, 3200];

function refusedAs(error: WorkflowUpdateFailedError, refusal: string): boolean {
  return String((error.cause as Error | undefined)?.message ?? '') === refusal;
}

function untrustedKey(error: WorkflowUpdateFailedError, keyId: string): boolean {
  return String((error.cause as Error | undefined)?.message ?? '').includes(`signed with key "${keyId}", which this case does not trust`);
}

/** Asks the case to read its workers' keys again and waits (a little) until it trusts this one. */
async function caseTrustsKey(handle: WorkflowHandle, keyId: string, waitMs = 15_000): Promise<boolean> {
  await handle.signal(refreshDecisionKeysSignal);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const snapshot = await handle.query(statusQuery).catch(() => undefined);
    if (snapshot?.trustedKeys?.includes(keyId)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
