import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CaseStore } from '../cases/case-store';
import { openDatabase, PostgresDatabase, type Database, type EmbeddedDatabase } from '../cases/database';
import { parseFindingObject } from '../findings/parse';
import { ingestFinding } from '../intake/ingest';
import type { LabApi } from '../lab/faults';
import { loadScenario, type Scenario } from '../lab/scenario';
import { defaultPolicy, findingSignal, subjectKeyOf } from '../workflows/shared';
import { floorCase, floorStatusQuery } from './floor-workflow';
import { stormScenario } from './storm-scenario';
import { postmasterPids, treeCpuMs } from './process-cpu';
import { bounded } from '../util/bounded';
import type { CampaignApprover, CampaignDecisionRun } from './campaign-approver';
import { startNoticeCounter } from './notice-counter';

/** One pipeline (the real case, or the floor) through one storm, to "ready for decision". */

export interface StormSize {
  findings: number;
  pods: number;
  binaries: number;
}

export interface RunResult extends StormSize {
  pipeline: 'case' | 'floor';
  cases: number;
  wallMs: number;
  findingsPerSecond: number;
  msPerFinding: number;
  timeToReadyMs: { p50: number; p95: number; p99: number; max: number };
  workerRssMb: { peak: number; parked: number };
  /** The workers' RSS every 30 s, with how many cases were ready by then: what each case still held in the cache costs. */
  rssTimeline: { s: number; rssMb: number; ready: number }[];
  /** Requests per lab API (the real case only). */
  calls?: Record<LabApi, number>;
  /** Requests per lab API and operation ("kubernetes get pods"), to say where the calls go. */
  operations?: Record<string, number>;
  distinctHashes: number;
  /** Worker processes on the task queue (RSS is their sum). */
  workers: number;
  /** How many cases of each campaign collected pod-level evidence (0: every case did). */
  campaignSampleSize?: number;
  /**
   * CPU time per finding of each process from the first finding to the last case ready: the
   * workers, the lab (its own process), the Temporal server, PostgreSQL (every server on the
   * machine; none with the embedded store), and the bench itself (intake, and the embedded store).
   */
  cpuMsPerFinding: Record<'worker' | 'lab' | 'temporal' | 'postgres' | 'bench', number>;
  /** Latency the lab added to every call, when the run asked for it. */
  latencyMs?: { min: number; max: number };
  /** History events per case workflow, from a sample of the run's. */
  historyEventsPerCase: { mean: number; max: number; sampled: number };
  /** What reached VirusTotal, and its busiest minute (the real case only). */
  virusTotal?: { requests: number; peakPerMinute: number };
  /**
   * One campaign's run: the first moment its plan acted on the workload (a rollback or scaling to
   * zero, the change that contains every pod of it), after the first finding; how many cases that
   * plan held, and how many had joined by then.
   */
  campaignDecidable?: { campaignId: string; ms: number; change: string; casesInPlan: number; casesJoined: number };
  /** With an approver: the decisions it made through the console, and how the campaign's cases ended. */
  campaignDecision?: CampaignDecisionRun;
  /**
   * The real case only: what the route's webhook received (`case ready-for-decision`, `campaign
   * ready-for-decision`, …), and how the cases recorded their notices (`sent`, `campaign`, `folded`).
   */
  notices?: { received: Record<string, number>; recorded: Record<string, number> };
}

const root = join(__dirname, '../..');

/** Ended: by itself (an exit code) or by a signal (then the exit code stays null). */
const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

interface LabProcess {
  url: string;
  token: string;
  kubeconfigPath: string;
  virusTotalKey: string;
  pid: number | undefined;
  /** Stops it, with what it served. */
  stop(): Promise<{ calls: Record<LabApi, number>; operations?: Record<string, number>; virusTotal: { requests: number; peakPerMinute: number } } | undefined>;
}

/** The storm's lab in a process of its own (dist/bench/lab-process.js), so its CPU time is measured apart. */
async function startLabProcess(scenario: Scenario, work: string): Promise<LabProcess> {
  const scenarioPath = join(work, 'scenario.json');
  writeFileSync(scenarioPath, JSON.stringify(scenario));
  const child = spawn(process.execPath, [join(root, 'dist/bench/lab-process.js'), scenarioPath, work], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  const arrived: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts.filter((l) => l.trim() !== ''));
    arrived.splice(0).forEach((wake) => wake());
  });
  const nextLine = async (index: number, timeoutMs: number): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length <= index) {
      if (ended(child) && lines.length <= index) throw new Error(`the bench lab exited with ${child.exitCode} before it said where it serves`);
      if (Date.now() > deadline) throw new Error(`the bench lab said nothing within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        arrived.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return lines[index]!;
  };
  const where = JSON.parse(await nextLine(0, 60_000)) as Omit<LabProcess, 'pid' | 'stop'>;
  let stopped: ReturnType<LabProcess['stop']> | undefined;
  return {
    ...where,
    pid: child.pid,
    // Once: the first call's answer is every call's.
    stop: () =>
      (stopped ??= (async () => {
        if (ended(child)) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const served = await nextLine(1, 10_000).catch(() => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
        return served ? (JSON.parse(served) as Awaited<ReturnType<LabProcess['stop']>>) : undefined;
      })()),
  };
}

/** History events of up to `sample` of the run's workflows: what a case costs the server, against the floor's. */
async function historyEvents(client: Client, workflowIds: string[], sample = 20): Promise<{ mean: number; max: number; sampled: number }> {
  const step = Math.max(1, Math.floor(workflowIds.length / sample));
  const picked = workflowIds.filter((_, i) => i % step === 0).slice(0, sample);
  const counts = await Promise.all(picked.map(async (id) => (await client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0));
  return { mean: Math.round((counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length)) * 10) / 10, max: Math.max(0, ...counts), sampled: counts.length };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function waitForPollers(client: Client, taskQueue: string, children: ChildProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited) throw new Error(`a worker for ${taskQueue} exited with ${exited.exitCode}`);
    const described = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW });
    if (new Set((described.pollers ?? []).map((p) => p.identity)).size >= children.length) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no worker polled ${taskQueue} within ${timeoutMs / 1000} s`);
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (ended(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}


async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new PostgresDatabase(adminUrl);
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The run's campaign, when its plan acts on the workload: what one decision at that moment would roll out. */
/** How the run's cases recorded their notices: on their own, as their campaign's, folded into it. */
async function noticeOutcomes(database: Database): Promise<Record<string, number>> {
  const rows = await database.query<{ event: string; outcome: string | null; n: number }>(
    "select detail ->> 'event' as event, outcome, count(*)::int as n from timeline where kind = 'notice' group by 1, 2 order by 1, 2",
  );
  return Object.fromEntries(rows.map((r) => [`${r.event} ${r.outcome ?? 'unknown'}`, r.n]));
}

async function decidableCampaign(database: Database, store: CaseStore, prefix: string, started: number): Promise<RunResult['campaignDecidable']> {
  const at = Date.now();
  const [campaign] = await database.query<{ campaign_id: string; joined: number }>(
    'select m.campaign_id, count(*)::int as joined from campaign_cases m join cases k on k.id = m.case_id where k.workflow_id like $1 group by m.campaign_id order by joined desc limit 1',
    [`${prefix}/%`],
  );
  if (!campaign) return undefined;
  const plan = await store.campaignPlan(campaign.campaign_id);
  const change = plan?.changes.find((c) => c.action === 'rollback-workload' || c.action === 'scale-workload-to-zero');
  return plan && change ? { campaignId: campaign.campaign_id, ms: at - started, change: change.action, casesInPlan: plan.cases.length, casesJoined: campaign.joined } : undefined;
}

export async function runStorm(pipeline: 'case' | 'floor', size: StormSize, temporalAddress: string, options: { databaseUrl?: string; timeoutMs?: number; workers?: number; maxCachedWorkflows?: number; campaignSampleSize?: number; temporalPid?: number; latencyMs?: { min: number; max: number }; cpuProfileDir?: string; approver?: CampaignApprover } = {}): Promise<RunResult> {
  const workerCount = pipeline === 'case' ? Math.max(1, options.workers ?? 1) : 1;
  const runTag = Date.now().toString(36);
  const storm = stormScenario(loadScenario(), { ...size, runTag });
  const work = mkdtempSync(join(tmpdir(), `scc-bench-${pipeline}-`));
  const taskQueue = `bench-${pipeline}-${size.findings}-${Date.now().toString(36)}`;
  const prefix = `bench-${Date.now().toString(36)}-${pipeline}`;
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  // A cloud's latency on every call the lab serves, when asked: where reads that overlap pay.
  const latency = options.latencyMs ? [{ api: '*' as const, latencyMs: options.latencyMs.min, latencyJitterMs: options.latencyMs.max - options.latencyMs.min, transientRate: 0 }] : [];
  const lab = await startLabProcess({ ...storm.scenario, faults: [...storm.scenario.faults, ...latency] }, work);
  let database: Database | undefined;
  let socket: PGLiteSocketServer | undefined;
  const workers: ChildProcess[] = [];
  const route = pipeline === 'case' ? await startNoticeCounter() : undefined;
  const rss = () => workers.reduce((sum, w) => sum + rssMb(w.pid), 0);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 250);
  const readyAt = new Map<string, number>();
  const rssTimeline: RunResult['rssTimeline'] = [];
  let readyNow = 0;
  const sampledFrom = Date.now();
  const timeline = setInterval(() => rssTimeline.push({ s: Math.round((Date.now() - sampledFrom) / 1000), rssMb: rss(), ready: readyNow }), 30_000);
  try {
    let store: CaseStore | undefined;
    if (pipeline === 'case') {
      // A database of its own per run: nothing cached (VirusTotal verdicts) carries over between sizes.
      const url = options.databaseUrl ? await freshDatabase(options.databaseUrl, `scc_bench_${runTag}`) : undefined;
      database = await openDatabase({ url });
      store = new CaseStore(database);
      await store.migrate();
      let databaseUrl = url;
      if (!databaseUrl) {
        socket = new PGLiteSocketServer({ db: (database as EmbeddedDatabase).pglite, host: '127.0.0.1', port: 0, maxConnections: 32 });
        await socket.start();
        databaseUrl = `postgres://postgres@${socket.getServerConn()}/postgres`;
      }
      const config = join(work, 'config.json');
      writeFileSync(config, JSON.stringify({
        dataDir: work,
        temporal: { address: temporalAddress, namespace: 'default', taskQueue, workflowIdPrefix: prefix },
        databaseUrl,
        cloud: { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey } },
        policy: { approvers: ['secops@acme.example'] },
        virusTotalPerMinute: 600,
        // A route that takes every notice: what people would get from the storm.
        ...(route ? { notifyWebhookUrl: route.url } : {}),
        ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
        // The storm's pods share three binaries: off, every case is investigated on its own (the floor comparison).
        campaignSampleSize: options.campaignSampleSize ?? 0,
        // Likewise each case plans for its own pod unless the run is the campaign's: the floor comparison measures cases.
        campaignWorkloadResponse: (options.campaignSampleSize ?? 0) > 0,
        // The approver's console signs what it decides; the workers trust its key.
        ...(options.approver ? { decisionAuthority: { keys: [{ publicKey: options.approver.publicKey }] } } : {}),
      }));
      for (let i = 0; i < workerCount; i++) {
        // Profiled when asked: V8 writes one profile per thread (the main one runs activities, the others workflows) as the worker exits.
        const nodeOptions = options.cpuProfileDir ? `--cpu-prof --cpu-prof-dir=${options.cpuProfileDir}` : '';
        workers.push(spawn(process.execPath, [join(root, 'bin/scc-responder.js'), 'worker'], { env: { ...process.env, SCC_CONFIG: config, DATABASE_URL: databaseUrl, NODE_OPTIONS: nodeOptions }, stdio: ['ignore', 'ignore', 'inherit'] }));
      }
    } else {
      workers.push(spawn(process.execPath, [join(root, 'dist/bench/floor-worker.js'), temporalAddress, taskQueue], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    await waitForPollers(client, taskQueue, workers);
    if (options.approver) await options.approver.start({ store: store!, client, taskQueue, workflowIdPrefix: prefix });

    const cpuNow = () => ({ ...treeCpuMs({ worker: workers.flatMap((w) => w.pid ?? []), lab: lab.pid, temporal: options.temporalPid, postgres: postmasterPids() }), bench: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 });
    const cpuBefore = cpuNow();
    const firstIngest = new Map<string, number>();
    const started = Date.now();
    await bounded(storm.findings, 16, async (raw) => {
      const at = Date.now();
      const parsed = parseFindingObject(raw);
      let workflowId: string;
      if (store) {
        const result = await ingestFinding({ client, store, taskQueue, policy: { ...defaultPolicy, approvers: ['secops@acme.example'] }, workflowIdPrefix: prefix }, parsed);
        if (result.outOfScope !== undefined) throw new Error(`bench finding out of scope: ${result.outOfScope}`);
        workflowId = result.workflowId;
      } else {
        workflowId = `${prefix}/${subjectKeyOf(parsed.finding.subject)}`;
        await client.workflow.signalWithStart(floorCase, { workflowId, taskQueue, args: [], signal: findingSignal, signalArgs: [parsed.finding], workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
      }
      if (!firstIngest.has(workflowId)) firstIngest.set(workflowId, at);
    });

    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let campaignDecidable: RunResult['campaignDecidable'];
    let campaignCheckedAt = 0;
    while (readyAt.size < firstIngest.size) {
      if (Date.now() > deadline) throw new Error(`${pipeline}: only ${readyAt.size} of ${firstIngest.size} cases ready in time`);
      const exited = workers.find((w) => w.exitCode !== null);
      if (exited) throw new Error(`${pipeline}: a worker exited with ${exited.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (store) {
        // Ready: waiting for a human, or (once a campaign decision is out) closed without a wait.
        const rows = await database!.query<{ workflow_id: string; ready_at: Date | string }>('select workflow_id, coalesce(ready_at, closed_at) as ready_at from cases where workflow_id like $1 and coalesce(ready_at, closed_at) is not null', [`${prefix}/%`]);
        for (const row of rows) readyAt.set(row.workflow_id, new Date(row.ready_at).getTime());
        readyNow = readyAt.size;
        // Once a second, until it acts at the workload: a campaign's plan reads every case of it.
        if ((options.campaignSampleSize ?? 0) > 0 && !campaignDecidable && Date.now() - campaignCheckedAt >= 1000) {
          campaignCheckedAt = Date.now();
          campaignDecidable = await decidableCampaign(database!, store, prefix, started);
          // The approver decides at once, while the storm goes on; the bench keeps counting.
          if (campaignDecidable && options.approver) void options.approver.decide(campaignDecidable.campaignId, started);
        }
      } else {
        const count = await client.workflow.count(`WorkflowType = "floorCase" AND TaskQueue = "${taskQueue}" AND SccCaseStatus = "awaiting-decision"`);
        readyNow = count.count;
        if (count.count < firstIngest.size) continue;
        await bounded([...firstIngest.keys()], 32, async (id) => {
          const status = await client.workflow.getHandle(id).query(floorStatusQuery);
          if (status.readyAt) readyAt.set(id, Date.parse(status.readyAt));
        });
      }
    }
    const wallMs = Math.max(...readyAt.values()) - started;
    const cpuAfter = cpuNow();
    const cpuMsPerFinding = Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, Math.round(((ms - cpuBefore[name as keyof typeof cpuBefore]) / size.findings) * 100) / 100])) as RunResult['cpuMsPerFinding'];
    const events = await historyEvents(client, [...firstIngest.keys()]);
    const campaignDecision = options.approver ? await options.approver.finish(database!, prefix, started, 15 * 60_000) : undefined;
    // Parked: every case waits for a decision; what the worker holds for them.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const parked = rss();
    const notices = route && database ? { received: route.counts(), recorded: await noticeOutcomes(database) } : undefined;
    // A profiled worker writes its profiles as it exits: time for that, not the kill.
    await Promise.all(workers.map((w) => stopChild(w, options.cpuProfileDir ? 120_000 : 10_000)));
    const served = await lab.stop();
    const latencies = [...firstIngest].map(([id, at]) => readyAt.get(id)! - at).sort((a, b) => a - b);
    return {
      pipeline,
      ...size,
      cases: firstIngest.size,
      wallMs,
      findingsPerSecond: Math.round((size.findings / wallMs) * 1000 * 10) / 10,
      msPerFinding: Math.round((wallMs / size.findings) * 100) / 100,
      timeToReadyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
      workerRssMb: { peak: Math.max(peak, parked), parked },
      rssTimeline,
      ...(pipeline === 'case' && served ? { calls: served.calls, ...(served.operations ? { operations: served.operations } : {}), virusTotal: served.virusTotal } : {}),
      cpuMsPerFinding,
      historyEventsPerCase: events,
      distinctHashes: storm.distinctHashes,
      workers: workerCount,
      ...(pipeline === 'case' ? { campaignSampleSize: options.campaignSampleSize ?? 0 } : {}),
      ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
      ...(campaignDecidable ? { campaignDecidable } : {}),
      ...(campaignDecision ? { campaignDecision } : {}),
      ...(notices ? { notices } : {}),
    };
  } finally {
    clearInterval(sampler);
    clearInterval(timeline);
    await options.approver?.stop();
    await Promise.all(workers.map(stopChild));
    await socket?.stop();
    await route?.close();
    await database?.close();
    await lab.stop();
    await connection.close();
  }
}
