import { WorkflowNotFoundError } from '@temporalio/client';
import { startCaseRig, type CaseRig } from '../case-rig';
import { ingestFinding } from '../../src/intake/ingest';
import { workflowIdFor, subjectKeyOf } from '../../src/workflows/shared';
import type { investigateCase } from '../../src/workflows/investigate-case';

let rig: CaseRig;
const clusterPath = '/k8s/acme-payments-prod/us-central1/payments-prod';
const clientWrites = () => rig.lab.clusters.get(clusterPath)!.store.mutations.filter((m) => m.by === 'client');

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

test('a finding out of scope starts no case; it is kept, with the reason, for whoever asks', async () => {
  const parsed = rig.finding('Malicious Script Executed', 'gke');
  const result = await ingestFinding(
    { client: rig.env.client, store: rig.store, taskQueue: rig.taskQueue, policy: rig.policy, workflowIdPrefix: rig.workflowIdPrefix, scope: { include: { projects: ['acme-payments-prod'] }, exclude: { namespaces: ['checkout'] } } },
    parsed,
  );
  expect(result).toEqual({ outOfScope: 'namespace checkout is excluded', duplicate: false });
  expect(await rig.store.intakeDisposition(parsed.finding.name)).toBe('out of scope: namespace checkout is excluded');
  expect(await rig.store.rawFinding(parsed.finding.name)).toBe(parsed.raw);
  expect(await rig.store.caseForFinding(parsed.finding.name)).toBeUndefined();
  const workflowId = workflowIdFor(subjectKeyOf(parsed.finding.subject), rig.workflowIdPrefix);
  await expect(rig.env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test('a suppressed finding closes its case as an intended change, with the advice to rebuild, collecting and changing nothing', async () => {
  const parsed = rig.finding('Launch Code Compiler Tool In Container', 'gke');
  const writesBefore = clientWrites().length;
  const { workflowId, runId, caseId } = await rig.ingest(parsed, {
    suppressions: [
      { id: 'other-team', reason: 'not this one', namespaces: ['billing'] },
      { id: 'checkout-plugins', reason: 'the checkout image compiles its plugins at start', namespaces: ['checkout'], images: ['us-docker.pkg.dev/acme-payments-prod/apps/'] },
    ],
  });
  const closed = await rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId).result();
  expect(closed).toMatchObject({ status: 'intended-change', outcome: 'intended-change', steps: [], actions: [], decisions: [] });
  expect(clientWrites().length).toBe(writesBefore);
  const record = (await rig.store.getCase(caseId))!;
  expect(record.case).toMatchObject({ status: 'intended-change', outcome: 'intended-change', advice: expect.stringContaining('rebuild the image') });
  expect(record.timeline.find((t) => t.kind === 'suppressed')!.detail).toMatchObject({ rule: 'checkout-plugins', reason: 'the checkout image compiles its plugins at start' });
  expect(record.evidence).toEqual([]);
  const inScc = rig.lab.scc.all().find((f) => f.finding.name === parsed.finding.name)!.finding;
  expect(inScc).toMatchObject({ state: 'INACTIVE', securityMarks: { marks: { scc_responder_status: 'intended_change' } } });
  expect((await rig.store.verifyAudit(caseId)).intact).toBe(true);
});

test('evidence is collected volatile first: the running process before the pod, the node, the logs and the finding review', async () => {
  const parsed = rig.finding('Added Binary Executed', 'gke');
  const { workflowId, runId } = await rig.ingest(parsed, { suppressions: [{ id: 'elsewhere', reason: 'another namespace', namespaces: ['billing'] }] });
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.steps.map((s) => s.step)).toEqual(['capture', 'pod', 'cluster-and-node', 'logs', 'review', 'research']);
  expect(ready.collection!.map((c) => [c.step, c.deadline])).toEqual([
    ['capture', undefined],
    ['pod', undefined],
    ['cluster-and-node', undefined],
    ['logs', new Date(Date.parse(parsed.finding.eventTime) + 30 * 86_400_000).toISOString()],
    ['review', new Date(Date.parse(parsed.finding.eventTime) + 395 * 86_400_000).toISOString()],
    ['research', undefined],
  ]);
  const record = (await rig.store.getCase(ready.caseId))!;
  expect(record.timeline.find((t) => t.kind === 'collection-order')!.detail).toEqual({ sources: ready.collection });
  const capturedAt = Date.parse(record.evidence.find((e) => e.kind === 'binary')!.collected_at);
  const logsAt = Date.parse(record.evidence.find((e) => e.kind === 'logs')!.collected_at);
  expect(capturedAt).toBeLessThanOrEqual(logsAt);
});
