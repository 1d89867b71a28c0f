import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { ConsoleServer } from '../../src/server/console-server';
import { signInCookie, startRigConsole } from '../console-harness';
import { answerBeforeBody } from '../unsent-body';

/** The HTTP API on a real listener, over a real case: reading, filtering, deciding, refusing. */

let rig: CaseRig;
let server: ConsoleServer;
const password = 'lab password for tests';
const viewer = 'analyst@acme.example';
const clusterPath = '/k8s/acme-payments-prod/us-central1/payments-prod';
const clientWrites = () => rig.lab.clusters.get(clusterPath)!.store.mutations.filter((m) => m.by === 'client');

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops, approvers.lead, viewer, 'outsider@elsewhere.example'], password, ['@acme.example']);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
});

const signIn = (email: string) => signInCookie(server, email, password);

async function call(path: string, cookie: string | undefined, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers: { ...(cookie ? { cookie } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string> | undefined) } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('strangers get 401, outsiders 403, and a wrong password never becomes a session', async () => {
  expect((await call('/api/cases', undefined)).status).toBe(401);
  expect(await call('/api/cases', 'scc_session=forged.value')).toMatchObject({ status: 401, body: { error: expect.stringMatching(/sign in again/) } });
  const wrong = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: viewer, password: 'guess' }) });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('set-cookie')).toBeNull();
  expect(await call('/api/cases', await signIn('outsider@elsewhere.example'))).toEqual({ status: 403, body: { error: 'outsider@elsewhere.example may not view cases' } });
});

test('a case through the API: listed and filtered, read with evidence and plan, refused for viewers and stale plans, approved, contained', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const analyst = await signIn(viewer);
  const secops = await signIn(approvers.secops);

  expect((await call('/api/me', analyst)).body).toEqual({ email: viewer, via: 'lab', approver: false });
  const listed = await call('/api/cases?status=awaiting-decision&cluster=payments-prod&severity=LOW', analyst);
  expect(listed.status).toBe(200);
  const ids = (listed.body.cases as { id: string }[]).map((c) => c.id);
  expect(ids).toContain(caseId);
  expect(((await call('/api/cases?status=contained', analyst)).body.cases as { id: string }[]).map((c) => c.id)).not.toContain(caseId);
  expect(((await call('/api/cases?service=no-such-service', analyst)).body.cases as unknown[]).length).toBe(0);
  expect(await call('/api/cases?status=bogus', analyst)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^status: /) } });
  expect(await call('/api/cases?limit=100000', analyst)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^limit: /) } });
  expect(await call('/api/cases/..%2f..%2fetc', analyst)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/caseId: a case ID/) } });
  expect(await call('/api/cases/case-000000000000', analyst)).toEqual({ status: 404, body: { error: 'no case case-000000000000' } });

  const detail = (await call(`/api/cases/${caseId}`, analyst)).body as {
    case: { status: string; cluster: string };
    plan: { hash: string; actions: { action: string; destructive: boolean }[]; blastRadius: { notes: string[] } };
    live: { steps: { step: string }[]; pending: { planHash: string } };
    canDecide: boolean;
    timeline: { kind: string }[];
  };
  expect(detail.case).toMatchObject({ status: 'awaiting-decision', cluster: 'payments-prod' });
  expect(detail.live.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['review', 'cluster-and-node', 'pod', 'logs', 'capture', 'research']));
  expect(detail.plan.hash).toBe(detail.live.pending.planHash);
  expect(detail.plan.actions.some((a) => a.destructive)).toBe(true);
  expect(detail.plan.blastRadius).toMatchObject({ runtime: 'gke', owners: [{ kind: 'ReplicaSet' }, { kind: 'Deployment', name: 'checkout-api' }], recreatedFromSameImage: true, networkPolicyEnforced: true });
  expect(detail.canDecide).toBe(false);

  const evidence = (await call(`/api/cases/${caseId}/evidence`, analyst)).body as { artifacts: { kind: string; sha256: string; hashCheck: string }[]; virusTotal: { status: string; sha256: string }[]; mitre: { id: string }[] };
  const binary = evidence.artifacts.find((a) => a.kind === 'binary')!;
  expect(binary.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(evidence.virusTotal.map((v) => v.sha256)).toContain(binary.sha256);
  expect(evidence.mitre.map((t) => t.id)).toContain('T1105');

  const planHash = detail.plan.hash;
  const writesBefore = clientWrites().length;
  const decide = (cookie: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => call(`/api/cases/${caseId}/decision`, cookie, { method: 'POST', body: JSON.stringify(body), headers });
  expect(await decide(analyst, { decision: 'approve', planHash })).toEqual({ status: 403, body: { error: `${viewer} is not on the approvers list` } });
  // The approver is the session's user: a name in the body is not a field the API takes.
  expect(await decide(analyst, { decision: 'approve', planHash, approver: approvers.secops })).toMatchObject({ status: 400 });
  expect(await decide(secops, { decision: 'approve', planHash: 'f'.repeat(64) })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/^refused: .*stale plan/) } });
  expect(await decide(secops, { decision: 'approve', planHash }, { origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { error: expect.stringMatching(/cross-site/) } });
  expect(await decide(secops, { decision: 'maybe', planHash })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^decision: /) } });
  expect(clientWrites().length).toBe(writesBefore);
  expect((await call(`/api/cases/${caseId}`, secops)).body.canDecide).toBe(true);

  expect(await decide(secops, { decision: 'approve', planHash, reason: 'binary dropped at run time' })).toEqual({ status: 200, body: { caseId, status: expect.any(String), approvalsNeeded: 0 } });
  const closed = await rig.env.client.workflow.getHandle(workflowId, runId).result();
  expect(closed).toMatchObject({ status: 'contained' });
  const after = (await call(`/api/cases/${caseId}`, analyst)).body as { case: { status: string }; decisions: { approver: string; via: string }[]; actions: { status: string }[] };
  expect(after.case.status).toBe('contained');
  expect(after.decisions).toEqual([expect.objectContaining({ approver: approvers.secops, via: 'update', decision: 'approve' })]);
  expect(after.actions.length).toBeGreaterThan(0);
  expect(after.actions.every((a) => a.status === 'applied' || a.status === 'already-done')).toBe(true);
  expect(await decide(secops, { decision: 'approve', planHash })).toMatchObject({ status: 409 });
});

test('a campaign through the API: the case names it, the list and the campaign say where its cases run, and bad or unknown IDs are refused', async () => {
  const first = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-lq4zp', 'c4mpa1gnap10000000000000000000a1'));
  const second = await rig.ingest(rig.findingOnPod('Added Binary Executed', 'checkout-api-7d9f8b6c5-lq4zp', 'c4mpa1gnap10000000000000000000b2'));
  // The same pod's second finding joins its case; the earlier case of the other pod is in the campaign too.
  expect(second.caseId).toBe(first.caseId);
  await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  const analyst = await signIn(viewer);
  try {
    const detail = (await call(`/api/cases/${first.caseId}`, analyst)).body as { campaigns: { id: string; cases: number; kind: string }[] };
    expect(detail.campaigns).toEqual([expect.objectContaining({ kind: 'binary-sha256', indicator: 'e60ea92d751901dbd5426b6a16aa0588eed6f77a7dc4cd05bbc86db39a9ff619' })]);
    const id = detail.campaigns[0]!.id;
    expect(((await call('/api/campaigns', analyst)).body.campaigns as { id: string }[]).map((c) => c.id)).toContain(id);
    const campaign = (await call(`/api/campaigns/${id}`, analyst)).body as { members: { caseId: string; pod: string; workload: string | null }[]; workloads: string[]; clusters: number; projects: number };
    expect(campaign.members.map((m) => m.caseId)).toContain(first.caseId);
    expect(campaign.members.filter((m) => m.caseId === first.caseId)).toEqual([expect.objectContaining({ pod: 'checkout-api-7d9f8b6c5-lq4zp', workload: 'Deployment checkout-api' })]);
    expect(new Set(campaign.members.map((m) => m.pod)).size).toBeGreaterThan(1);
    expect(campaign.workloads).toEqual(['acme-payments-prod us-central1/payments-prod checkout/Deployment checkout-api']);
    expect(campaign).toMatchObject({ clusters: 1, projects: 1 });

    expect(await call('/api/campaigns/..%2fcases', analyst)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/campaignId: a campaign ID/) } });
    expect(await call('/api/campaigns/campaign-000000000000', analyst)).toEqual({ status: 404, body: { error: 'no campaign campaign-000000000000' } });
    expect((await call(`/api/campaigns/${id}`, undefined)).status).toBe(401);
    expect((await call(`/api/campaigns/${id}`, await signIn('outsider@elsewhere.example'))).status).toBe(403);
  } finally {
    await rig.env.client.workflow.getHandle(first.workflowId, first.runId).terminate('test over');
  }
});

test('the OpenAPI document describes every route the API answers', async () => {
  const response = await fetch(`${server.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { securitySchemes: Record<string, unknown> } };
  expect(document.openapi).toBe('3.1.0');
  expect(Object.fromEntries(Object.entries(document.paths).map(([path, methods]) => [path, Object.keys(methods).sort()]))).toEqual({
    '/api/me': ['get'],
    '/api/session': ['delete', 'post'],
    '/api/cases': ['get'],
    '/api/cases/{caseId}': ['get'],
    '/api/cases/{caseId}/evidence': ['get'],
    '/api/cases/{caseId}/evidence/{sha256}': ['get'],
    '/api/cases/{caseId}/logs': ['get'],
    '/api/cases/{caseId}/events': ['get'],
    '/api/case-events': ['get'],
    '/api/cases/{caseId}/decision': ['post'],
    '/api/cases/{caseId}/revert': ['post'],
    '/api/campaigns': ['get'],
    '/api/campaigns/{campaignId}': ['get'],
    '/api/campaigns/{campaignId}/events': ['get'],
    '/api/campaigns/{campaignId}/decision': ['post'],
  });
  expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearer', 'iap', 'session']);
  const page = await fetch(`${server.url}/cases/case-0123456789ab`);
  expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  expect(await page.text()).toMatch(/<main id="app"/);
});

test('malformed requests are the caller’s error: 400, 405 or 415 that say why, never a 500', async () => {
  const cookie = await signIn(approvers.secops);
  const raw = (path: string, init: RequestInit) => fetch(`${server.url}${path}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string> | undefined) } });
  const malformed = await raw('/api/cases/case-0123456789ab/decision', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '\u0000{' });
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toEqual({ error: expect.stringMatching(/JSON/) });
  const notJson = await raw('/api/cases/case-0123456789ab/decision', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"decision":"approve"}' });
  expect([400, 415]).toContain(notJson.status);
  const wrongMethod = await raw('/api/session', { method: 'PUT' });
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.get('allow')).toBe('POST, DELETE');
  // A cleared filter means "any"; a control character is refused before it reaches the store.
  expect((await call('/api/cases?status=&category=&cluster=&service=&severity=', cookie)).status).toBe(200);
  expect(await call('/api/cases?cluster=%00', cookie)).toMatchObject({ status: 400, body: { error: 'cluster: printable text' } });
});

test('a rejection through the API needs a reason, is the session user’s, and closes the case with nothing changed', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'gke'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const lead = await signIn(approvers.lead);
  const writesBefore = clientWrites().length;
  const decide = (body: Record<string, unknown>) => call(`/api/cases/${caseId}/decision`, lead, { method: 'POST', body: JSON.stringify(body) });

  expect(await decide({ decision: 'reject', planHash: ready.plan!.hash })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/a rejection needs a reason/) } });
  expect(await decide({ decision: 'reject', planHash: ready.plan!.hash, reason: 'a load test from the platform team' })).toEqual({ status: 200, body: { caseId, status: expect.any(String), approvalsNeeded: 0 } });

  expect(await rig.env.client.workflow.getHandle(workflowId, runId).result()).toMatchObject({ status: 'rejected', outcome: 'rejected', actions: [] });
  expect(clientWrites().length).toBe(writesBefore);
  const after = (await call(`/api/cases/${caseId}`, lead)).body as { case: { status: string }; decisions: unknown[]; actions: unknown[]; canDecide: boolean };
  expect(after).toMatchObject({ case: { status: 'rejected' }, actions: [], canDecide: false });
  expect(after.decisions).toEqual([expect.objectContaining({ decision: 'reject', approver: approvers.lead, via: 'update', reason: 'a load test from the platform team' })]);
});

test('every answer carries the security headers, and API answers are never cached', async () => {
  const cookie = await signIn(viewer);
  const answers = await Promise.all([
    fetch(`${server.url}/api/cases`),
    fetch(`${server.url}/api/me`, { headers: { cookie } }),
    fetch(`${server.url}/api/cases/case-000000000000`, { headers: { cookie } }),
    fetch(`${server.url}/api/openapi.json`),
    fetch(`${server.url}/api/no-such-route`, { headers: { cookie } }),
    fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    fetch(`${server.url}/`),
    fetch(`${server.url}/assets/console.js`),
  ]);
  for (const response of answers) {
    const path = new URL(response.url).pathname;
    expect([path, response.headers.get('content-security-policy')]).toEqual([path, expect.stringContaining("default-src 'none'")]);
    expect([path, response.headers.get('x-content-type-options'), response.headers.get('x-frame-options')]).toEqual([path, 'nosniff', 'DENY']);
    if (path.startsWith('/api/')) expect([path, response.headers.get('cache-control')]).toEqual([path, 'no-store']);
  }
});

test('a malformed Origin is refused as cross-site, not a server error', async () => {
  const cookie = await signIn(approvers.secops);
  for (const origin of ['http://[', 'not a url', 'http://exa mple.com']) {
    const response = await call('/api/cases/case-0123456789ab/decision', cookie, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash: 'a'.repeat(64) }), headers: { origin } });
    expect([origin, response.status]).toEqual([origin, 403]);
    expect(response.body.error).toMatch(/cross-site request/);
  }
});

test('a body over the limit is refused from its declared length, before it is read, signed in or not', async () => {
  const huge = 200 * 1024 * 1024;
  expect(await answerBeforeBody(`${server.url}/api/session`, { headers: { 'content-type': 'application/json' }, declaredBytes: huge })).toMatchObject({ status: 413 });
  const cookie = await signIn(approvers.secops);
  expect(await answerBeforeBody(`${server.url}/api/cases/case-0123456789ab/decision`, { headers: { 'content-type': 'application/json', cookie }, declaredBytes: huge })).toMatchObject({ status: 413 });
  // Without a declared length it is cut off as it streams in, past the limit.
  expect(await answerBeforeBody(`${server.url}/api/session`, { headers: { 'content-type': 'application/json' }, chunkedBytes: 128 * 1024 })).toMatchObject({ status: 413 });
});

test('signing out ends the session: a cookie captured before it answers nothing afterwards', async () => {
  const captured = await signIn(approvers.secops);
  expect((await call('/api/me', captured)).status).toBe(200);
  const out = await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie: captured } });
  expect(out.status).toBe(204);
  expect(await call('/api/me', captured)).toEqual({ status: 401, body: { error: 'the session has ended or is not valid; sign in again' } });
  expect((await call('/api/cases', captured)).status).toBe(401);
});

test('guessing passwords is slowed, then locked, per user; the right password waits as well, another user does not', async () => {
  // A console of its own: its guard counts this test's guesses, from this test's address, alone.
  const guarded = await startRigConsole(rig, [approvers.secops, approvers.lead], password);
  try {
    const attempt = (email: string, pass: string) => fetch(`${guarded.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: pass }) });
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await attempt(approvers.secops, `guess ${i}`)).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(40);
    const right = await attempt(approvers.secops, password);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.headers.get('set-cookie')).toBeNull();
    // Another user at the same address is not held up by these failures.
    expect((await attempt(approvers.lead, password)).status).toBe(200);
  } finally {
    await guarded.close();
  }
});

test('four-eyes takes two people: one approver under another spelling (+tag, case, full-width letters) is still one', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.finding('Malicious Script Executed', 'gke'), { fourEyes: true });
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const decide = (cookie: string) => call(`/api/cases/${caseId}/decision`, cookie, { method: 'POST', body: JSON.stringify({ decision: 'approve', planHash: ready.plan!.hash }) });
  try {
    expect(await decide(await signIn(approvers.secops))).toMatchObject({ status: 200, body: { approvalsNeeded: 1 } });
    for (const spelling of ['SecOps+second@acme.example', ' SECOPS@ACME.EXAMPLE', 'ｓｅｃｏｐｓ@acme.example']) {
      const again = await signIn(spelling);
      expect((await call('/api/me', again)).body).toMatchObject({ email: approvers.secops });
      expect(await decide(again)).toMatchObject({ status: 409, body: { error: expect.stringMatching(/four-eyes: secops@acme.example already approved/) } });
    }
    const afterwards = await rig.waitFor(workflowId, runId, (s) => s.decisions.length === 1);
    expect(afterwards.pending).toEqual({ planHash: ready.plan!.hash, approvalsNeeded: 1 });
    // The look-alike spelling is no identity at all.
    const lookAlike = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'sec\u043Eps@acme.example', password }) });
    expect(lookAlike.status).toBe(401);
  } finally {
    await rig.env.client.workflow.getHandle(workflowId, runId).terminate('test over');
  }
});
