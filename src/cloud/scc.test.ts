import { startTestLab } from '../../test/lab-harness';
import { parseFindingObject } from '../findings/parse';
import type { Lab } from '../lab/server';
import { PermanentCloudError, TransientCloudError } from './errors';
import { SccAdapter } from './scc';

let lab: Lab;
let scc: SccAdapter;
const org = 'organizations/583920174625/sources/-/locations/global';

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  scc = new SccAdapter(started.target);
});

afterAll(async () => {
  await scc?.close();
  await lab?.stop();
});

afterEach(() => lab.faults.set([]));

test('listFindings returns what intake parses, filtered by category and state', async () => {
  const results = await scc.listFindings(org, 'state="ACTIVE" AND category="Added Binary Executed"');
  expect(results).toHaveLength(1);
  const { finding } = parseFindingObject(results[0]);
  expect(finding.subject).toMatchObject({ runtime: 'gke', pod: 'checkout-api-7d9f8b6c5-x2k8q' });
  expect(finding.intake.shape).toBe('client-library');
});

test('related findings: the same container within the window, not other pods or older events', async () => {
  const compiler = (await scc.listFindings(org, 'category="Defense Evasion: Launch Code Compiler Tool In Container"'))
    .map((r) => parseFindingObject(r).finding)
    .find((f) => f.subject.runtime === 'gke')!;
  const related = await scc.relatedFindings(org, compiler.subject, compiler.eventTime, 30);
  const categories = related.map((r) => String(r.finding.category)).sort();
  expect(categories).toEqual(['Added Binary Executed', 'Defense Evasion: Launch Code Compiler Tool In Container']);

  const wide = await scc.relatedFindings(org, compiler.subject, compiler.eventTime, 60 * 24 * 30);
  expect(wide).toHaveLength(3);
});

test('paging is followed up to the cap', async () => {
  expect(await scc.listFindings(org, '', 2)).toHaveLength(2);
  expect((await scc.listFindings(org, '')).length).toBe(lab.scenario.findings.length);
});

test('setState and security marks persist in the lab and are seen by later reads', async () => {
  const name = String(lab.scenario.findings[3]!.finding.name);
  const updated = await scc.setState(name, 'INACTIVE');
  expect(updated.state).toBe('INACTIVE');
  const marks = await scc.updateMarks(name, { scc_responder_case: 'case-42', scc_responder_status: 'contained' });
  expect(marks).toEqual({ scc_responder_case: 'case-42', scc_responder_status: 'contained' });
  await scc.updateMarks(name, { scc_responder_status: 'closed' });
  const [read] = await scc.listFindings(org, `security_marks.marks.scc_responder_case="case-42"`);
  expect(read!.finding.state).toBe('INACTIVE');
  expect((read!.finding.securityMarks as { marks: Record<string, string> }).marks).toEqual({ scc_responder_case: 'case-42', scc_responder_status: 'closed' });
});

test('a malformed filter is INVALID_ARGUMENT, permanent', async () => {
  await expect(scc.listFindings(org, 'category="unterminated')).rejects.toThrow(PermanentCloudError);
});

test('injected faults arrive as the right classes', async () => {
  lab.faults.set([{ api: 'scc', transientRate: 1, latencyMs: 0 }]);
  await expect(scc.listFindings(org, '', 1)).rejects.toThrow(TransientCloudError);
  lab.faults.set([{ api: 'scc', permanentStatus: 403, transientRate: 0, latencyMs: 0 }]);
  await expect(scc.listFindings(org, '', 1)).rejects.toMatchObject({ retryable: false, status: 'PERMISSION_DENIED' });
});

test('malformed names and parents are refused before any request leaves', async () => {
  const before = lab.calls.scc;
  await expect(scc.listFindings('organizations/1/sources/2/../x', '')).rejects.toThrow(/no request was made/);
  await expect(scc.setState('organizations/1/sources/2/findings/a b', 'INACTIVE')).rejects.toThrow(/no request was made/);
  await expect(scc.updateMarks(String(lab.scenario.findings[0]!.finding.name), { 'bad key': 'x' })).rejects.toThrow(/no request was made/);
  expect(lab.calls.scc).toBe(before);
});
