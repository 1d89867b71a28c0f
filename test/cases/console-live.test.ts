import type { ConsoleServer } from '../../src/server/console-server';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { signInCookie, startRigConsole } from '../console-harness';

/**
 * The console follows cases as they change, over server-sent events, and links what step 1
 * found to the cases those findings joined: the page an analyst keeps open during an incident.
 */

let rig: CaseRig;
let server: ConsoleServer;
const password = 'lab password for tests';
const viewer = 'analyst@acme.example';

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops, viewer, 'outsider@elsewhere.example'], password, ['@acme.example'], rig.authority, { streams: { intervalMs: 200, heartbeatMs: 500, maxStreamsPerViewer: 3 } });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
}, 180_000);

const signIn = (email: string) => signInCookie(server, email, password);

interface ServerEvent { event: string; data: unknown }

/** An event stream read as a browser's EventSource reads it. */
async function openStream(path: string, cookie: string) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}${path}`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ended = false;
  const next = async (timeoutMs = 90_000): Promise<ServerEvent | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const boundary = buffer.indexOf('\n\n');
      if (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const lines = block.split('\n');
        const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (!data) continue; // a comment (heartbeat) or the retry hint
        return { event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', data: JSON.parse(data) };
      }
      if (ended) return undefined;
      if (Date.now() > deadline) throw new Error(`no event on ${path} within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const read = await Promise.race([reader.read(), new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadline - Date.now())))]);
      clearTimeout(timer);
      if (read === 'late') continue;
      if (read.done) ended = true;
      else buffer += read.value;
    }
  };
  return { response, next, close: () => controller.abort() };
}

type CaseEvent = { case: { id: string; status: string }; related: { name: string; caseId: string | null; caseStatus: string | null; here: boolean }[]; otherCases: { id: string; status: string }[]; live: { pending: { planHash: string } | null } | null };

test('a case page is sent the case at once and again when it changes, without asking; a closed case links to the next one on its subject through the findings step 1 found', async () => {
  const cookie = await signIn(approvers.secops);
  const compiler = rig.finding('Launch Code Compiler Tool In Container', 'gke');
  const first = await rig.ingest(compiler);
  // The page of a case is opened from the list, once its record exists.
  while (!(await rig.store.caseById(first.caseId))) await new Promise((resolve) => setTimeout(resolve, 50));
  const caseStream = await openStream(`/api/cases/${first.caseId}/events`, cookie);
  expect([caseStream.response.status, caseStream.response.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
  const listStream = await openStream('/api/case-events?status=rejected', cookie);
  const initialList = (await listStream.next())!;
  expect(initialList.event).toBe('cases');
  expect((initialList.data as { cases: { id: string }[] }).cases.map((c) => c.id)).not.toContain(first.caseId);

  // The stream follows the investigation to the decision it waits for.
  let event = (await caseStream.next())!;
  expect(event.event).toBe('case');
  while ((event.data as CaseEvent).live?.pending == null) event = (await caseStream.next())!;
  const waiting = event.data as CaseEvent;
  expect(waiting.case).toMatchObject({ id: first.caseId, status: 'awaiting-decision' });

  const decided = await fetch(`${server.url}/api/cases/${first.caseId}/decision`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ decision: 'reject', planHash: waiting.live!.pending!.planHash, reason: 'a build step we run on purpose' }),
  });
  expect(decided.status).toBe(200);
  do event = (await caseStream.next())!;
  while ((event.data as CaseEvent).case.status !== 'rejected');
  // The list stream, filtered to rejected cases, now holds it too.
  let listed = (await listStream.next())!;
  while (!(listed.data as { cases: { id: string }[] }).cases.some((c) => c.id === first.caseId)) listed = (await listStream.next())!;
  caseStream.close();
  listStream.close();

  // The page shows "rejected" as soon as the workflow decides; a finding that arrives while the run is still closing
  // joins it, as it should. Once the run has ended, the next finding on the container opens a new case.
  const firstRun = rig.env.client.workflow.getHandle(first.workflowId, first.runId);
  while ((await firstRun.describe()).status.name === 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 100));
  // Each case then links to the other.
  const second = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
  expect(second.caseId).not.toBe(first.caseId);
  await rig.waitForStatus(second.workflowId, second.runId, 'awaiting-decision', 120_000);
  const read = async (caseId: string) => (await (await fetch(`${server.url}/api/cases/${caseId}`, { headers: { cookie } })).json()) as CaseEvent;
  const later = await read(second.caseId);
  expect(later.related).toEqual(expect.arrayContaining([expect.objectContaining({ name: compiler.finding.name, caseId: first.caseId, caseStatus: 'rejected', here: false })]));
  expect(later.otherCases).toEqual([expect.objectContaining({ id: first.caseId, status: 'rejected' })]);
  const earlier = await read(first.caseId);
  const secondFinding = rig.finding('Added Binary Executed', 'gke').finding.name;
  expect(earlier.related).toEqual(expect.arrayContaining([expect.objectContaining({ name: secondFinding, caseId: second.caseId, caseStatus: 'awaiting-decision' })]));
  // Findings SCC holds for the container that never arrived here say so rather than link.
  expect(earlier.related.filter((r) => r.caseId === null).length + earlier.related.filter((r) => r.caseId !== null).length).toBe(earlier.related.length);
  expect(earlier.otherCases.map((o) => o.id)).toEqual([second.caseId]);
  await rig.env.client.workflow.getHandle(second.workflowId, second.runId).terminate('test over');
}, 240_000);

test('a stream ends when the session that opened it ends, and streams are refused to strangers, outsiders and one viewer holding too many', async () => {
  const cookie = await signIn(viewer);
  const stream = await openStream('/api/case-events', cookie);
  expect((await stream.next())!.event).toBe('cases');
  expect((await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie, origin: server.url } })).status).toBe(204);
  // Within a heartbeat the stream says why and ends; the browser's reconnection then meets a 401.
  const ended = (await stream.next(10_000))!;
  expect(ended.event).toBe('signed-out');
  expect(await stream.next(10_000)).toBeUndefined();
  expect((await fetch(`${server.url}/api/case-events`, { headers: { cookie } })).status).toBe(401);

  expect((await fetch(`${server.url}/api/case-events`)).status).toBe(401);
  const outsider = await signIn('outsider@elsewhere.example');
  expect((await fetch(`${server.url}/api/case-events`, { headers: { cookie: outsider } })).status).toBe(403);

  const again = await signIn(viewer);
  const held = await Promise.all([1, 2, 3].map(() => openStream('/api/case-events', again)));
  expect(held.map((s) => s.response.status)).toEqual([200, 200, 200]);
  const refused = await fetch(`${server.url}/api/case-events`, { headers: { cookie: again } });
  expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '10']);
  expect(((await refused.json()) as { error: string }).error).toMatch(/already holds 3 live streams/);
  for (const s of held) s.close();
  expect((await fetch(`${server.url}/api/cases/case-000000000000/events`, { headers: { cookie: again } })).status).toBe(404);
}, 120_000);
