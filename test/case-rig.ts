import { campaignPeers } from '../src/activities/campaign-peers';
import type { ActionRegistry } from '../src/actions/registry';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { CaseIngested } from '../src/intake/ingest';
import { VirusTotalLookups } from '../src/activities/virustotal-lookups';
import type { Notice } from '../src/notify/notice';
import { ChannelNotifier, JsonWebhookChannel, type Channel } from '../src/notify/channels';
import type { ActivityDeps } from '../src/activities';
import { CaseStore } from '../src/cases/case-store';
import { EmbeddedDatabase } from '../src/cases/database';
import { LocalEvidenceStore } from '../src/cases/evidence-store';
import { GcsEvidenceStore } from '../src/cloud/gcs-evidence';
import { createCloudClients } from '../src/cloud';
import { ResourceManagerAdapter } from '../src/cloud/resource-manager';
import { VirusTotalAdapter } from '../src/cloud/virustotal';
import { virusTotalBaseUrl, type CloudTarget } from '../src/cloud/config';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseFindingObject } from '../src/findings/parse';
import { defaultCaptureImage } from '../src/config/config';
import type { ParsedFinding } from '../src/findings/model';
import { ingestFinding } from '../src/intake/ingest';
import type { Lab, LabOptions } from '../src/lab/server';
import { createWorker, type CreateWorkerOptions } from '../src/worker/create-worker';
import type { Tracing } from '../src/worker/tracing';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { playbooks } from '../src/findings/categories';
import { severities } from '../src/findings/model';
import { DecisionAuthority } from '../src/server/decision-authority';
import { generateKeyPairSync } from 'node:crypto';
import { caseIdFor, decideUpdate, decisionSignal, defaultPolicy, statusQuery, type CaseSnapshot, type CaseStatus, type DecideResult, type DecisionInput, type DecisionRules, type Policy } from '../src/workflows/shared';
import { attachToTestServer, prebuiltWorkflowBundle, testNamespace, uniqueTaskQueue } from './temporal/harness';
import { startTestLab } from './lab-harness';

/** The whole pipeline on real peers: dev server, lab, embedded case store, a worker, a webhook. */
export interface CaseRig {
  env: TestWorkflowEnvironment;
  lab: Lab;
  store: CaseStore;
  deps: ActivityDeps;
  taskQueue: string;
  workflowIdPrefix: string;
  policy: Policy;
  notices: Notice[];
  /** The decision authority the rig's worker trusts: what the console would be. */
  authority: DecisionAuthority;
  /** The decision, signed by the authority for the case the handle names (or by another authority), sent as the update. */
  decide(handle: WorkflowHandle, decision: DecisionInput, authority?: DecisionAuthority): Promise<DecideResult>;
  /** The same, sent as the signal. */
  signalDecision(handle: WorkflowHandle, decision: DecisionInput, authority?: DecisionAuthority): Promise<void>;
  /** A decision signed for the case the handle names, to send or to tamper with. */
  signed(handle: WorkflowHandle, decision: DecisionInput, authority?: DecisionAuthority): Promise<DecisionInput>;
  /** Makes the notification webhook answer with a fault (undefined: normally again); returns how many requests it answered so. */
  webhookFault: { set(fault: WebhookFault | undefined): void; served(): number };
  startWorker(options?: Pick<CreateWorkerOptions, 'maxCachedWorkflows' | 'activityOverrides' | 'workflowBundle'>): Promise<Worker>;
  stopWorker(): Promise<void>;
  finding(category: string, runtime: 'gke' | 'cloud-run'): ParsedFinding;
  /** The scenario's GKE finding of `category`, as SCC would raise it on another pod (and its node), under the finding ID given. */
  findingOnPod(category: string, pod: string, findingId: string): ParsedFinding;
  /** Ingests a finding that must start or join a case. */
  ingest(parsed: ParsedFinding, policy?: Partial<Policy>): Promise<CaseIngested>;
  /** Ingests every active finding of the scenario (related ones join) and waits until each case awaits a decision with all its findings. */
  ingestScenario(timeoutMs?: number): Promise<{ ingested: CaseIngested[]; cases: CaseIngested[]; ready: CaseSnapshot[] }>;
  waitFor(workflowId: string, runId: string, done: (snapshot: CaseSnapshot) => boolean, timeoutMs?: number): Promise<CaseSnapshot>;
  waitForStatus(workflowId: string, runId: string, status: CaseStatus, timeoutMs?: number): Promise<CaseSnapshot>;
  stop(): Promise<void>;
}

export const approvers = { secops: 'secops@acme.example', lead: 'lead@acme.example' };

export interface CaseRigOptions {
  temporalAddress?: string;
  /** A store shared with worker processes (test/worker-database.ts); the rig's own embedded one otherwise. */
  store?: CaseStore;
  /** Where the rig's worker sends its spans, and the client interceptors intake starts traces with. */
  tracing?: Tracing;
  /** How long one cloud request (and one notice delivery) may go unanswered. */
  requestTimeoutMs?: number;
  /** How long a cluster's GKE metadata and a workload's owner reads are shared across cases (0: each case reads them, as a fault injected into those reads needs). */
  sharedReadTtlMs?: number;
  /** Evidence goes to this bucket in the lab's Cloud Storage instead of a local folder. */
  evidenceBucket?: string;
  /** The worker's own limits on deciding; by default it trusts the rig's authority and lets the starter's policy decide the rest. */
  workerRules?: Partial<DecisionRules>;
  /** The lab's scenario and token (a scenario can hand out real API servers for its clusters). */
  lab?: LabOptions;
  /** How the worker reaches clusters, and the credentials its pod would have for its own. */
  clusters?: CloudTarget['clusters'];
  inCluster?: () => KubeConfig | undefined;
  /** The actions the worker plans and applies; the ones src/actions ships when absent. */
  actions?: ActionRegistry;
  /** How many cases of a campaign collect pod-level evidence (the worker's campaignSampleSize); every case does when absent. */
  campaignSampleSize?: number;
  /** Cases of a campaign on one workload plan for the workload (the worker's campaignWorkloadResponse); each plans for its pod when absent. */
  campaignResponse?: { preservePods: number };
  /** How often at most a route hears of one campaign (the worker's notifications.campaignNoticeMinutes); every case notifies on its own when absent. */
  campaignNoticeMinutes?: number;
  /** Notice channels beside the rig's own webhook (a Slack app in the lab). */
  channels?: (lab: Lab, store: CaseStore) => Channel[];
}

/** Worker limits that take whatever a starter's policy asks: the tests of policies themselves. */
export const permissiveWorkerRules = { fourEyes: false, autoContain: { playbooks: playbooks.map((p) => p.id), severities: [...severities] } } satisfies Partial<DecisionRules>;

export function newAuthority(): DecisionAuthority {
  return new DecisionAuthority(generateKeyPairSync('ed25519').privateKey);
}

/** What the console does for a signed-in approver: the decision, signed for the case and run the handle names. */
export async function signedFor(handle: WorkflowHandle, decision: DecisionInput, authority: DecisionAuthority): Promise<DecisionInput> {
  // From the server alone, so signing needs no worker (a busy one, under a storm, answers queries late).
  const description = await handle.describe();
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId ?? description.runId;
  const runId = description.runId;
  const signed = authority.sign({
    purpose: 'decision',
    caseId: caseIdFor(firstRunId),
    workflowId: handle.workflowId,
    runId,
    planHash: decision.planHash,
    decision: decision.decision,
    ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    ...(decision.falsePositive !== undefined ? { falsePositive: decision.falsePositive } : {}),
    approver: decision.approver,
    authenticatedVia: 'lab',
  });
  return { ...decision, signed };
}

/** How the rig's notification webhook answers: normally 200; a fault makes it refuse, fail, hang or babble. */
export type WebhookFault = { status: 403 | 404 | 500 } | { hangMs: number } | { malformed: true };

export async function startCaseRig(policy: Partial<Policy> = {}, options: CaseRigOptions = {}): Promise<CaseRig> {
  const env = options.temporalAddress ? await TestWorkflowEnvironment.createFromExistingServer({ address: options.temporalAddress, namespace: testNamespace }) : await attachToTestServer();
  const started = await startTestLab(options.lab);
  const { lab } = started;
  const target = { ...started.target, ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}), ...(options.sharedReadTtlMs !== undefined ? { clusterReadTtlMs: options.sharedReadTtlMs, ownerReadTtlMs: options.sharedReadTtlMs } : {}), ...(options.clusters ? { clusters: options.clusters } : {}) };
  const db = options.store ? undefined : await EmbeddedDatabase.open();
  const store = options.store ?? new CaseStore(db!);
  if (db) await store.migrate();
  const notices: Notice[] = [];
  let webhookFault: WebhookFault | undefined;
  let webhookFaultsServed = 0;
  const webhook: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const fault = webhookFault;
      if (fault) webhookFaultsServed++;
      if (fault && 'status' in fault) return void response.writeHead(fault.status).end('lab fault');
      if (fault && 'hangMs' in fault) return void setTimeout(() => response.writeHead(503).end(), fault.hangMs);
      notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notice);
      response.end(fault ? '{"ok":' : 'ok');
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', () => resolve()));
  const authority = newAuthority();
  const clients = createCloudClients(target, options.inCluster ? { inCluster: options.inCluster } : {});
  const resourceManager = new ResourceManagerAdapter(target);
  const deps: ActivityDeps = {
    clients,
    store,
    evidence: options.evidenceBucket ? new GcsEvidenceStore(target, options.evidenceBucket) : new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'scc-evidence-'))),
    virusTotal: new VirusTotalLookups(new VirusTotalAdapter(virusTotalBaseUrl(target), target.virusTotal.apiKey), store, 600),
    notifier: new ChannelNotifier([new JsonWebhookChannel(`http://127.0.0.1:${(webhook.address() as AddressInfo).port}/notices`, options.requestTimeoutMs), ...(options.channels?.(lab, store) ?? [])]),
    collector: 'test-worker',
    maxArtifactBytes: 16 * 1024 * 1024,
    captureImage: defaultCaptureImage,
    decisionRules: { keys: [authority.key], ...permissiveWorkerRules, ...options.workerRules },
    ...(options.actions ? { actions: options.actions } : {}),
    ...(options.campaignSampleSize ? { campaignSampleSize: options.campaignSampleSize } : {}),
    ...(options.campaignResponse ? { campaignResponse: options.campaignResponse } : {}),
    ...(options.campaignNoticeMinutes ? { routing: { defaultRecipients: [], campaignNoticeMinutes: options.campaignNoticeMinutes } } : {}),
    campaignPeers: campaignPeers(store, env.client),
  };
  const taskQueue = uniqueTaskQueue('case');
  const fullPolicy: Policy = { ...defaultPolicy, approvers: [approvers.secops, approvers.lead], ...policy };
  const intakeClient = options.tracing ? new Client({ connection: env.connection, namespace: testNamespace, interceptors: options.tracing.clientInterceptors }) : env.client;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const rig: CaseRig = {
    env,
    lab,
    store,
    deps,
    taskQueue,
    workflowIdPrefix: `scc-case-${taskQueue}`,
    policy: fullPolicy,
    notices,
    authority,
    signed: (handle, decision, by = authority) => signedFor(handle, decision, by),
    async decide(handle, decision, by) {
      return handle.executeUpdate(decideUpdate, { args: [await signedFor(handle, decision, by ?? authority)] });
    },
    async signalDecision(handle, decision, by) {
      await handle.signal(decisionSignal, await signedFor(handle, decision, by ?? authority));
    },
    webhookFault: {
      set(fault) {
        webhookFault = fault;
        webhookFaultsServed = 0;
      },
      served: () => webhookFaultsServed,
    },
    async startWorker(workerOptions = {}) {
      // The run's prebuilt bundle has no tracing interceptors: a traced worker bundles its own.
      worker = await createWorker({ connection: env.nativeConnection, namespace: testNamespace, taskQueue, deps, shutdownGraceTime: '1s', ...(options.tracing ? { tracing: options.tracing } : { workflowBundle: prebuiltWorkflowBundle() }), ...workerOptions });
      running = worker.run();
      return worker;
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    },
    finding(category, runtime) {
      const entry = lab.scenario.findings.find((f) => String(f.finding.category).endsWith(category) && String(f.finding.resourceName).includes(runtime === 'gke' ? 'container.googleapis.com' : 'run.googleapis.com') && f.finding.state === 'ACTIVE');
      if (!entry) throw new Error(`no ${category} finding on ${runtime} in the scenario`);
      return parseFindingObject(entry);
    },
    findingOnPod(category, pod, findingId) {
      const entry = structuredClone(lab.scenario.findings.find((f) => String(f.finding.category).endsWith(category) && String(f.finding.resourceName).includes('container.googleapis.com') && f.finding.state === 'ACTIVE'));
      const node = lab.scenario.clusters.flatMap((c) => c.workloads.flatMap((w) => w.pods)).find((p) => p.name === pod)?.node;
      if (!entry || !node) throw new Error(`no ${category} finding on GKE, or no pod ${pod}, in the scenario`);
      const finding = entry.finding as { name: string; sourceProperties?: Record<string, unknown>; kubernetes?: { pods?: { name?: string }[]; nodes?: { name?: string }[] } };
      finding.name = finding.name.replace(/[^/]+$/, findingId);
      if (finding.sourceProperties) Object.assign(finding.sourceProperties, { Pod_Name: pod, VM_Instance_Name: node });
      for (const p of finding.kubernetes?.pods ?? []) p.name = pod;
      for (const n of finding.kubernetes?.nodes ?? []) n.name = node;
      return parseFindingObject(entry);
    },
    async ingest(parsed, override = {}) {
      const result = await ingestFinding({ client: intakeClient, store, taskQueue, policy: { ...fullPolicy, ...override }, workflowIdPrefix: `scc-case-${taskQueue}`, resolveProjectId: (n) => resourceManager.projectId(n) }, parsed);
      if (result.outOfScope !== undefined) throw new Error(`${parsed.finding.name} is out of scope: ${result.outOfScope}`);
      return result;
    },
    async ingestScenario(timeoutMs = 120_000) {
      const active = lab.scenario.findings.filter((f) => f.finding.state === 'ACTIVE').map((f) => parseFindingObject(f));
      const ingested: CaseIngested[] = [];
      for (const parsed of active) ingested.push(await rig.ingest(parsed));
      const cases = [...new Map(ingested.map((c) => [c.caseId, c])).values()];
      const findingsOf = (caseId: string) => ingested.filter((i) => i.caseId === caseId).length;
      const ready = await Promise.all(cases.map((c) => rig.waitFor(c.workflowId, c.runId, (s) => s.status === 'awaiting-decision' && s.findings.length === findingsOf(c.caseId), timeoutMs)));
      return { ingested, cases, ready };
    },
    async waitFor(workflowId, runId, done, timeoutMs = 60_000) {
      const handle = env.client.workflow.getHandle(workflowId, runId || undefined);
      const deadline = Date.now() + timeoutMs;
      let last: CaseSnapshot | undefined;
      while (Date.now() < deadline) {
        try {
          last = await handle.query(statusQuery);
        } catch (error) {
          // A query can time out while the worker is busy (a loaded CI machine): ask again.
          if (!/DEADLINE_EXCEEDED|query timed out|CANCELLED/.test(String((error as { cause?: unknown }).cause ?? error))) throw error;
          continue;
        }
        if (done(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`case ${workflowId} did not get there in ${timeoutMs} ms; last status ${last?.status}: ${JSON.stringify(last?.steps.map((s) => [s.step, s.outcome]))}`);
    },
    waitForStatus(workflowId, runId, status, timeoutMs) {
      return rig.waitFor(workflowId, runId, (s) => s.status === status, timeoutMs);
    },
    async stop() {
      await rig.stopWorker();
      await clients.close();
      await resourceManager.close();
      await lab.stop();
      await new Promise<void>((resolve) => webhook.close(() => resolve()));
      await db?.close();
      await env.teardown();
    },
  };
  return rig;
}
