import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalEvidenceStore } from '../../src/cases/evidence-store';
import type { ConsoleServer } from '../../src/server/console-server';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { signInCookie, startRigConsole } from '../console-harness';

/**
 * What an analyst reads in the console beyond the summary: the log entries of each query with
 * the filter that found them, and the artifacts themselves, downloaded under the chain of custody.
 */

let rig: CaseRig;
let server: ConsoleServer;
let caseId: string;
const password = 'lab password for tests';
const viewer = 'analyst@acme.example';

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops, viewer, 'outsider@elsewhere.example'], password, ['@acme.example']);
  const c = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
  await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision', 120_000);
  caseId = c.caseId;
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
}, 180_000);

const signIn = (email: string) => signInCookie(server, email, password);

interface LogsBody { collections: { sha256: string; queries: { name: string; filter: string; logsExplorerUrl: string | null; total: number; truncated: boolean; entries: { timestamp: string; text: string }[] }[] }[]; shownPerQuery: number }
interface EvidenceBody { artifacts: { sha256: string; kind: string; downloads: { by: string; via: string; at: string }[] }[] }

test('the log entries of each query, with the filter that found them and a Logs Explorer link to the same', async () => {
  const cookie = await signIn(viewer);
  const response = await fetch(`${server.url}/api/cases/${caseId}/logs`, { headers: { cookie } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as LogsBody;
  expect(body.collections).toHaveLength(1);
  const queries = body.collections[0]!.queries;
  expect(queries.map((q) => q.name).sort()).toEqual(['clusterAudit', 'node', 'pod']);
  const pod = queries.find((q) => q.name === 'pod')!;
  expect(pod.filter).toContain('resource.labels.pod_name="checkout-api-7d9f8b6c5-x2k8q"');
  expect(pod.total).toBeGreaterThan(0);
  expect(pod.entries).toHaveLength(Math.min(pod.total, body.shownPerQuery));
  expect(pod.entries[0]!.text.length).toBeGreaterThan(0);
  // The link carries the filter encoded: it decodes back to exactly the filter, and has no raw quote or space.
  const url = pod.logsExplorerUrl!;
  expect(url.startsWith('https://console.cloud.google.com/logs/query;query=')).toBe(true);
  expect(url).not.toMatch(/[ "<>]/);
  expect(decodeURIComponent(/;query=([^;]+);/.exec(url)![1]!)).toBe(pod.filter);
  expect(new URL(url).searchParams.get('project')).toBe('acme-payments-prod');
});

test('an artifact downloads as its own bytes, and the download is in its chain of custody and on the timeline', async () => {
  const cookie = await signIn(viewer);
  const evidence = (await (await fetch(`${server.url}/api/cases/${caseId}/evidence`, { headers: { cookie } })).json()) as EvidenceBody;
  const binary = evidence.artifacts.find((a) => a.kind === 'binary')!;
  expect(binary.downloads).toEqual([]);

  const response = await fetch(`${server.url}/api/cases/${caseId}/evidence/${binary.sha256}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="case-[0-9a-f]{12}-binary-[0-9a-f]{16}\.bin"$/);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(binary.sha256);

  const after = (await (await fetch(`${server.url}/api/cases/${caseId}/evidence`, { headers: { cookie } })).json()) as EvidenceBody;
  expect(after.artifacts.find((a) => a.sha256 === binary.sha256)!.downloads).toEqual([{ by: viewer, via: 'lab', at: expect.any(String) }]);
  const record = await rig.store.getCase(caseId);
  expect(record!.timeline.filter((t) => t.kind === 'evidence-download').map((t) => t.detail)).toEqual([{ sha256: binary.sha256, kind: 'binary', by: viewer, via: 'lab' }]);
});

test('strangers and outsiders get nothing and leave no download; an artifact of another case, or a malformed hash, is refused', async () => {
  const evidence = await rig.store.getCase(caseId);
  const sha256 = evidence!.evidence.find((e) => e.kind === 'binary')!.sha256;
  const before = evidence!.timeline.filter((t) => t.kind === 'evidence-download').length;
  expect((await fetch(`${server.url}/api/cases/${caseId}/evidence/${sha256}`)).status).toBe(401);
  expect((await fetch(`${server.url}/api/cases/${caseId}/evidence/${sha256}`, { headers: { cookie: await signIn('outsider@elsewhere.example') } })).status).toBe(403);
  const cookie = await signIn(viewer);
  expect((await fetch(`${server.url}/api/cases/${caseId}/evidence/${'0'.repeat(64)}`, { headers: { cookie } })).status).toBe(404);
  expect((await fetch(`${server.url}/api/cases/${caseId}/evidence/..%2F..%2Fetc%2Fpasswd`, { headers: { cookie } })).status).toBe(400);
  expect((await rig.store.getCase(caseId))!.timeline.filter((t) => t.kind === 'evidence-download')).toHaveLength(before);
});

test('an artifact whose stored bytes were altered is refused as altered, not served', async () => {
  const record = await rig.store.getCase(caseId);
  const logs = record!.evidence.find((e) => e.kind === 'logs')!;
  const path = join((rig.deps.evidence as LocalEvidenceStore).directory, logs.sha256);
  chmodSync(path, 0o600);
  writeFileSync(path, 'tampered');
  const response = await fetch(`${server.url}/api/cases/${caseId}/evidence/${logs.sha256}`, { headers: { cookie: await signIn(approvers.secops) } });
  expect(response.status).toBe(409);
  expect(((await response.json()) as { error: string }).error).toMatch(/was altered/);
});
