import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { paymentsCluster, startTestLab } from '../../test/lab-harness';
import { CaseStore } from '../cases/case-store';
import { EmbeddedDatabase } from '../cases/database';
import { LocalEvidenceStore } from '../cases/evidence-store';
import { createCloudClients, type CloudClients } from '../cloud';
import { defaultCaptureImage } from '../config/config';
import { parseFindingObject } from '../findings/parse';
import type { Finding, GkeSubject } from '../findings/model';
import type { Lab } from '../lab/server';
import { captureActivities, type CaptureResult } from './capture';

let lab: Lab;
let store: CaseStore;
let clients: CloudClients;
let capture: ReturnType<typeof captureActivities>['captureEvidence'];
const env = new MockActivityEnvironment();

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  clients = createCloudClients(started.target);
  store = new CaseStore(await EmbeddedDatabase.open());
  await store.migrate();
  capture = captureActivities({
    clients,
    store,
    evidence: new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'scc-capture-'))),
    virusTotal: undefined as never,
    notifier: undefined as never,
    collector: 'capture-test',
    maxArtifactBytes: 1024 * 1024,
    captureImage: defaultCaptureImage,
    decisionRules: { keys: [], fourEyes: false, autoContain: null },
  }).captureEvidence;
});

afterAll(async () => {
  await clients?.close();
  await store?.db.close();
  await lab?.stop();
});

/** The scenario's compiler finding, pointed at another container of the same cluster. */
function findingOn(namespace: string, pod: string, container: string, path: string, pid: number | undefined, bytes: Buffer): Finding {
  const base = parseFindingObject(lab.scenario.findings.find((f) => String(f.finding.category).includes('Compiler') && String(f.finding.resourceName).includes('container.googleapis'))!).finding;
  return {
    ...base,
    subject: { ...(base.subject as GkeSubject), namespace, pod, container },
    processes: [{ binary: { path, sha256: createHash('sha256').update(bytes).digest('hex'), partiallyHashed: false }, args: [path], argsTruncated: false, ...(pid ? { pid } : {}) }],
  };
}

async function openCase(caseId: string, finding: Finding) {
  await store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: `run-${caseId}`, subjectKey: 'x', finding, dryRun: false, openedAt: new Date().toISOString() });
}

/** What the scenario's distroless /agent holds. */
const agentBytes = Buffer.from('\x7fELFagent\n'.repeat(20), 'latin1');


test('a distroless container: the binary is read through an ephemeral container, once per case', async () => {
  const finding = findingOn('kube-system', 'node-agent-8xq2v', 'agent', '/agent', 1, agentBytes);
  await openCase('case-0000000000d1', finding);
  const result: CaptureResult = await env.run(capture, { caseId: 'case-0000000000d1', subject: finding.subject as GkeSubject, findings: [finding] });
  expect(result.summary).toContain('by ephemeral container scc-capture-0000000000d1');
  expect(result.sha256s).toEqual([finding.processes[0]!.binary!.sha256]);

  const evidence = (await store.getCase('case-0000000000d1'))!.evidence.find((e) => e.kind === 'binary');
  expect(evidence).toMatchObject({ kind: 'binary', hash_check: 'match', collector: 'capture-test' });
  expect(evidence!.source).toMatchObject({ pid: 1, path: '/agent', container: 'agent', method: expect.stringContaining(`${defaultCaptureImage}) reading /proc/1/root`) });

  // A retried capture reuses the helper instead of adding a second one.
  await env.run(capture, { caseId: 'case-0000000000d1', subject: finding.subject as GkeSubject, findings: [finding] });
  const pod = await clients.kubernetes(paymentsCluster).getPod('kube-system', 'node-agent-8xq2v');
  expect(pod.ephemeralContainers.map((c) => [c.name, c.image, c.targetContainerName])).toEqual([['scc-capture-0000000000d1', defaultCaptureImage, 'agent']]);
});

test('without a pid a distroless file is reached through the process running it, found by its executable, and the custody says how', async () => {
  const finding = findingOn('kube-system', 'node-agent-8xq2v', 'agent', '/agent', undefined, agentBytes);
  await openCase('case-0000000000d2', finding);
  const result: CaptureResult = await env.run(capture, { caseId: 'case-0000000000d2', subject: finding.subject as GkeSubject, findings: [finding] });
  expect(result.sha256s).toEqual([finding.processes[0]!.binary!.sha256]);
  const evidence = (await store.getCase('case-0000000000d2'))!.evidence.find((e) => e.kind === 'binary');
  expect(evidence!.source).toMatchObject({ pid: 1, method: expect.stringContaining('reading /proc/1/root/agent; the finding gives no pid: pid 1 found by its executable /agent') });
});

test('a pod that is gone is recorded as such', async () => {
  const finding = findingOn('checkout', 'checkout-api-7d9f8b6c5-gone1', 'api', '/usr/bin/gcc-12', 4, agentBytes);
  await openCase('case-0000000000d3', finding);
  const result: CaptureResult = await env.run(capture, { caseId: 'case-0000000000d3', subject: finding.subject as GkeSubject, findings: [finding] });
  expect(result.summary).toMatch(/^the pod is gone/);
  expect((await store.getCase('case-0000000000d3'))!.timeline).toEqual([
    expect.objectContaining({ kind: 'capture-gap', outcome: 'container-gone', detail: expect.objectContaining({ detail: 'pod checkout/checkout-api-7d9f8b6c5-gone1 no longer exists' }) }),
  ]);
});
