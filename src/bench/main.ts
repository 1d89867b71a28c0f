import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../util/free-port';
import { startDevServer } from '../stack/temporal-dev-server';
import { resolveTemporalCli } from '../stack/temporal-cli';
import { runStorm, type RunResult, type StormSize } from './alert-storm';
import { costPlot } from './plot';
import { campaignApprover } from './campaign-approver';

/**
 * `npm run bench`: the alert storm against the floor, on one dev server, in one run. Every
 * figure is reported as a ratio to the floor measured minutes apart on the same machine.
 *
 *   --sizes 100,1000,5000   findings per storm (pods = half, 3 binaries)
 *   --parked 10000          also park this many cases and report the worker's memory
 *   --max-cached 500        the case worker's maxCachedWorkflows for the parked run (the SDK's default otherwise)
 *   --workers 3             also run the case on this many worker processes sharing one store, against one worker
 *   --latency 50-200        also run the case with this much latency (ms, spread evenly) on every lab call, against the case without
 *   --sampling 3            also run the case with campaign sampling (this many cases per binary collect), against the case without
 *   --campaign              also run each size as one campaign: the pods of one Deployment sharing one binary, sampled
 *                           (3 cases collect, or --sampling's count) and planned at the workload; reports the time until
 *                           every case waits for the campaign's decision, API calls per finding and VirusTotal requests
 *   --campaign-decision     also run each size as one campaign that an approver decides through a real console as soon
 *                           as its plan acts on the workload, and again while cases wait on a plan that held still;
 *                           reports the decisions it took and when every case was closed
 *   --cpu-profile DIR       the case worker of the main runs writes V8 CPU profiles there (one per thread) as it exits
 *   --out DIR               where the JSON and the SVG go (default .data/bench)
 */

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index !== -1 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 100) / 100);

async function main(): Promise<void> {
  const sizes: StormSize[] = option('sizes', '100,1000')
    .split(',')
    .map((n) => Number(n.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n <= 100_000)
    .map((findings) => ({ findings, pods: Math.max(1, Math.floor(findings / 2)), binaries: 3 }));
  const parked = Number(option('parked', '0'));
  const workers = Math.min(8, Math.max(1, Number(option('workers', '1')) || 1));
  const maxCached = option('max-cached', '') === '' ? undefined : Number(option('max-cached', ''));
  const latencyOption = /^(\d{1,5})-(\d{1,5})$/.exec(option('latency', ''));
  const latency = latencyOption ? { min: Number(latencyOption[1]), max: Math.max(Number(latencyOption[1]), Number(latencyOption[2])) } : undefined;
  const sampling = Math.min(1_000, Math.max(0, Number(option('sampling', '0')) || 0));
  const campaign = process.argv.includes('--campaign');
  const campaignDecision = process.argv.includes('--campaign-decision');
  const out = resolve(option('out', '.data/bench'));
  const cpuProfileDir = option('cpu-profile', '') === '' ? undefined : resolve(option('cpu-profile', ''));
  mkdirSync(out, { recursive: true });
  const databaseUrl = process.env.DATABASE_URL;
  const port = await freePort();
  const server = await startDevServer({ cliPath: resolveTemporalCli(), dbFile: join(mkdtempSync(join(tmpdir(), 'scc-bench-temporal-')), 'temporal.db'), port, uiPort: await freePort() });
  const runs: RunResult[] = [];
  const each = { ...(databaseUrl ? { databaseUrl } : {}), ...(server.pid ? { temporalPid: server.pid } : {}) };
  const log = (line: string) => process.stdout.write(`${line}\n`);
  /** What the route received from a run, and how its cases recorded their notices. */
  const logNotices = (result: RunResult) => {
    const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    if (result.notices) log(`  notices received: ${list(result.notices.received)}; recorded by the cases: ${list(result.notices.recorded)}`);
  };
  try {
    for (const size of sizes) {
      for (const pipeline of ['floor', 'case'] as const) {
        log(`· ${pipeline}: ${size.findings} findings over ${size.pods} pods sharing ${size.binaries} binaries`);
        const result = await runStorm(pipeline, size, server.address, { ...each, ...(pipeline === 'case' && cpuProfileDir ? { cpuProfileDir: join(cpuProfileDir, `case-${size.findings}`) } : {}) });
        runs.push(result);
        log(`  ${result.cases} cases ready in ${(result.wallMs / 1000).toFixed(1)} s: ${result.findingsPerSecond} findings/s, time to ready p50 ${result.timeToReadyMs.p50} ms p95 ${result.timeToReadyMs.p95} ms p99 ${result.timeToReadyMs.p99} ms, worker RSS peak ${result.workerRssMb.peak} MB`);
        logNotices(result);
      }
    }
    const sharedRuns: RunResult[] = [];
    if (workers > 1) {
      for (const size of sizes) {
        log(`· case on ${workers} workers: ${size.findings} findings`);
        const result = await runStorm('case', size, server.address, { ...each, workers });
        sharedRuns.push(result);
        log(`  ${result.cases} cases ready in ${(result.wallMs / 1000).toFixed(1)} s: ${result.findingsPerSecond} findings/s, VirusTotal ${result.virusTotal?.requests} request(s) for ${result.distinctHashes} hashes, busiest minute ${result.virusTotal?.peakPerMinute}`);
      }
    }
    const sampledRuns: RunResult[] = [];
    if (sampling > 0) {
      for (const size of sizes) {
        log(`· case with campaign sampling (${sampling} cases per campaign collect): ${size.findings} findings`);
        const result = await runStorm('case', size, server.address, { ...each, campaignSampleSize: sampling });
        sampledRuns.push(result);
        log(`  ${result.cases} cases ready in ${(result.wallMs / 1000).toFixed(1)} s: ${result.findingsPerSecond} findings/s, time to ready p99 ${result.timeToReadyMs.p99} ms`);
      }
    }
    const campaignRuns: RunResult[] = [];
    if (campaign) {
      for (const size of sizes) {
        log(`· one campaign: ${size.findings} findings over ${size.pods} pods of one Deployment sharing one binary`);
        const result = await runStorm('case', { ...size, binaries: 1 }, server.address, { ...each, campaignSampleSize: sampling || 3 });
        campaignRuns.push(result);
        log(`  ${result.cases} cases waiting for the campaign's decision ${(result.wallMs / 1000).toFixed(1)} s after the first finding; VirusTotal ${result.virusTotal?.requests} request(s)`);
        logNotices(result);
      }
    }
    const decidedRuns: RunResult[] = [];
    if (campaignDecision) {
      for (const size of sizes) {
        log(`· one campaign, decided as soon as it can be: ${size.findings} findings over ${size.pods} pods of one Deployment sharing one binary`);
        const result = await runStorm('case', { ...size, binaries: 1 }, server.address, { ...each, campaignSampleSize: sampling || 3, approver: campaignApprover() });
        decidedRuns.push(result);
        const run = result.campaignDecision;
        log(`  ${run?.decisions.length ?? 0} decision(s); every case closed ${run?.allClosedMs !== undefined ? `${(run.allClosedMs / 1000).toFixed(1)} s after the first finding` : 'not within the deadline'}`);
        logNotices(result);
      }
    }
    const latencyRuns: RunResult[] = [];
    if (latency) {
      for (const size of sizes) {
        log(`· case with ${latency.min}-${latency.max} ms on every cloud call: ${size.findings} findings`);
        const result = await runStorm('case', size, server.address, { ...each, latencyMs: latency });
        latencyRuns.push(result);
        log(`  ${result.cases} cases ready in ${(result.wallMs / 1000).toFixed(1)} s: ${result.findingsPerSecond} findings/s, time to ready p50 ${result.timeToReadyMs.p50} ms p99 ${result.timeToReadyMs.p99} ms`);
      }
    }
    const parkedRuns: RunResult[] = [];
    if (parked > 0) {
      for (const pipeline of ['floor', 'case'] as const) {
        log(`· parked: ${parked} ${pipeline} cases awaiting a decision`);
        parkedRuns.push(await runStorm(pipeline, { findings: parked, pods: parked, binaries: 3 }, server.address, { ...each, ...(maxCached !== undefined ? { maxCachedWorkflows: maxCached } : {}), timeoutMs: 4 * 60 * 60_000 }));
        log(`  worker RSS with ${parked} parked: ${parkedRuns.at(-1)!.workerRssMb.parked} MB`);
      }
    }
    const comparisons = sizes.map((size) => {
      const floor = runs.find((r) => r.pipeline === 'floor' && r.findings === size.findings)!;
      const real = runs.find((r) => r.pipeline === 'case' && r.findings === size.findings)!;
      return {
        findings: size.findings,
        throughputRatio: ratio(real.findingsPerSecond, floor.findingsPerSecond),
        timeToReadyRatio: { p50: ratio(real.timeToReadyMs.p50, floor.timeToReadyMs.p50), p95: ratio(real.timeToReadyMs.p95, floor.timeToReadyMs.p95), p99: ratio(real.timeToReadyMs.p99, floor.timeToReadyMs.p99) },
        msPerFindingRatio: ratio(real.msPerFinding, floor.msPerFinding),
        workerRssRatio: ratio(real.workerRssMb.peak, floor.workerRssMb.peak),
        virusTotalLookups: real.calls?.virustotal ?? 0,
        distinctHashes: real.distinctHashes,
        callsPerFinding: Object.fromEntries(Object.entries(real.calls ?? {}).map(([api, n]) => [api, Math.round((n / size.findings) * 100) / 100])),
        cpuMsPerFinding: { case: real.cpuMsPerFinding, floor: floor.cpuMsPerFinding },
        historyEventsPerCase: { case: real.historyEventsPerCase.mean, floor: floor.historyEventsPerCase.mean, ratio: ratio(real.historyEventsPerCase.mean, floor.historyEventsPerCase.mean) },
      };
    });
    const severalWorkers = sharedRuns.map((shared) => {
      const one = runs.find((r) => r.pipeline === 'case' && r.findings === shared.findings)!;
      return {
        findings: shared.findings,
        workers: shared.workers,
        throughputVsOneWorker: ratio(shared.findingsPerSecond, one.findingsPerSecond),
        timeToReadyP99VsOneWorker: ratio(shared.timeToReadyMs.p99, one.timeToReadyMs.p99),
        rssVsOneWorker: ratio(shared.workerRssMb.peak, one.workerRssMb.peak),
        virusTotal: shared.virusTotal,
        distinctHashes: shared.distinctHashes,
      };
    });
    const callsPer = (r: RunResult) => Object.values(r.calls ?? {}).reduce((sum, n) => sum + n, 0) / r.findings;
    const campaignSampling = sampledRuns.map((sampled) => {
      const all = runs.find((r) => r.pipeline === 'case' && r.findings === sampled.findings)!;
      return {
        findings: sampled.findings,
        sampleSize: sampled.campaignSampleSize,
        apiCallsPerFinding: { sampled: Math.round(callsPer(sampled) * 100) / 100, everyCase: Math.round(callsPer(all) * 100) / 100 },
        apiCallsVsEveryCase: ratio(callsPer(sampled), callsPer(all)),
        throughputVsEveryCase: ratio(sampled.findingsPerSecond, all.findingsPerSecond),
        timeToReadyP99VsEveryCase: ratio(sampled.timeToReadyMs.p99, all.timeToReadyMs.p99),
        callsPerFinding: Object.fromEntries(Object.entries(sampled.calls ?? {}).map(([api, n]) => [api, Math.round((n / sampled.findings) * 100) / 100])),
      };
    });
    const oneCampaign = campaignRuns.map((run) => ({
      findings: run.findings,
      pods: run.pods,
      sampleSize: run.campaignSampleSize,
      allWaitingMs: run.wallMs,
      // When one decision could roll the workload back: the plan acts on it, and later cases of it are the campaign's to contain.
      ...(run.campaignDecidable ? { decidable: run.campaignDecidable } : {}),
      timeToReadyMs: run.timeToReadyMs,
      apiCallsPerFinding: Math.round(callsPer(run) * 100) / 100,
      callsPerFinding: Object.fromEntries(Object.entries(run.calls ?? {}).map(([api, n]) => [api, Math.round((n / run.findings) * 100) / 100])),
      // The ten operations that cost most, per finding: where a campaign still reads per case.
      topOperationsPerFinding: Object.fromEntries(
        Object.entries(run.operations ?? {})
          .sort(([, a], [, b]) => b - a)
          .slice(0, 10)
          .map(([operation, n]) => [operation, Math.round((n / run.findings) * 100) / 100]),
      ),
      virusTotal: run.virusTotal,
      ...(run.notices ? { notices: run.notices } : {}),
      throughputVsIndependentCases: ratio(run.findingsPerSecond, runs.find((r) => r.pipeline === 'case' && r.findings === run.findings)!.findingsPerSecond),
    }));
    const decidedCampaign = decidedRuns.map((run) => ({
      findings: run.findings,
      pods: run.pods,
      cases: run.cases,
      ...(run.campaignDecidable ? { decidable: run.campaignDecidable } : {}),
      ...(run.notices ? { notices: run.notices } : {}),
      ...run.campaignDecision!,
    }));
    const cloudLatency = latencyRuns.map((slow) => {
      const fast = runs.find((r) => r.pipeline === 'case' && r.findings === slow.findings)!;
      const floor = runs.find((r) => r.pipeline === 'floor' && r.findings === slow.findings)!;
      return {
        findings: slow.findings,
        latencyMs: slow.latencyMs,
        timeToReadyMs: slow.timeToReadyMs,
        timeToReadyVsNoLatency: { p50: ratio(slow.timeToReadyMs.p50, fast.timeToReadyMs.p50), p99: ratio(slow.timeToReadyMs.p99, fast.timeToReadyMs.p99) },
        timeToReadyVsFloor: { p50: ratio(slow.timeToReadyMs.p50, floor.timeToReadyMs.p50), p99: ratio(slow.timeToReadyMs.p99, floor.timeToReadyMs.p99) },
        throughputVsNoLatency: ratio(slow.findingsPerSecond, fast.findingsPerSecond),
        throughputVsFloor: ratio(slow.findingsPerSecond, floor.findingsPerSecond),
      };
    });
    const report = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, store: databaseUrl ? 'postgresql' : 'pglite' },
      runs,
      comparisons,
      ...(severalWorkers.length > 0 ? { severalWorkers, sharedRuns } : {}),
      ...(campaignSampling.length > 0 ? { campaignSampling, sampledRuns } : {}),
      ...(cloudLatency.length > 0 ? { cloudLatency, latencyRuns } : {}),
      ...(oneCampaign.length > 0 ? { oneCampaign, campaignRuns } : {}),
      ...(decidedCampaign.length > 0 ? { decidedCampaign, decidedRuns } : {}),
      ...(parkedRuns.length > 0 ? { parked: { cases: parked, maxCachedWorkflows: maxCached ?? 'sdk default', workerRssMb: Object.fromEntries(parkedRuns.map((r) => [r.pipeline, r.workerRssMb.parked])), wallMs: Object.fromEntries(parkedRuns.map((r) => [r.pipeline, r.wallMs])), rssTimeline: Object.fromEntries(parkedRuns.map((r) => [r.pipeline, r.rssTimeline])) } } : {}),
    };
    writeFileSync(join(out, 'alert-storm.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(
      join(out, 'cost-vs-n.svg'),
      costPlot(
        [
          { name: 'case', color: '#c0392b', points: runs.filter((r) => r.pipeline === 'case').map((r) => ({ n: r.findings, value: r.msPerFinding })) },
          { name: 'floor (no-op)', color: '#2c3e50', points: runs.filter((r) => r.pipeline === 'floor').map((r) => ({ n: r.findings, value: r.msPerFinding })) },
        ],
        'Alert storm: wall time per finding to "ready for decision"',
        'ms per finding',
      ),
    );
    for (const c of comparisons) {
      log(`N=${c.findings}: throughput ${c.throughputRatio}× the floor; time to ready p50 ${c.timeToReadyRatio.p50}×, p95 ${c.timeToReadyRatio.p95}×, p99 ${c.timeToReadyRatio.p99}×; worker RSS ${c.workerRssRatio}×; VirusTotal lookups ${c.virusTotalLookups} for ${c.distinctHashes} distinct hashes`);
    }
    for (const c of comparisons) {
      const cpu = (r: RunResult['cpuMsPerFinding']) => Object.entries(r).map(([name, ms]) => `${name} ${ms}`).join(', ');
      log(`N=${c.findings} CPU ms per finding, case: ${cpu(c.cpuMsPerFinding.case)}; floor: ${cpu(c.cpuMsPerFinding.floor)}`);
      log(`N=${c.findings} history events per case: ${c.historyEventsPerCase.case} against the floor's ${c.historyEventsPerCase.floor} (${c.historyEventsPerCase.ratio}×)`);
    }
    for (const c of severalWorkers) {
      log(`N=${c.findings} on ${c.workers} workers: throughput ${c.throughputVsOneWorker}× one worker's; p99 time to ready ${c.timeToReadyP99VsOneWorker}×; RSS (all workers) ${c.rssVsOneWorker}×; VirusTotal ${c.virusTotal?.requests} request(s) for ${c.distinctHashes} hashes`);
    }
    for (const c of cloudLatency) {
      log(`N=${c.findings} with ${c.latencyMs?.min}-${c.latencyMs?.max} ms per cloud call: time to ready p50 ${c.timeToReadyMs.p50} ms, p99 ${c.timeToReadyMs.p99} ms (${c.timeToReadyVsNoLatency.p99}× without latency, ${c.timeToReadyVsFloor.p99}× the floor); throughput ${c.throughputVsNoLatency}× without latency, ${c.throughputVsFloor}× the floor`);
    }
    for (const c of campaignSampling) {
      log(`N=${c.findings} with campaign sampling ${c.sampleSize}: API calls per finding ${c.apiCallsPerFinding.sampled} against ${c.apiCallsPerFinding.everyCase} (${c.apiCallsVsEveryCase}×); throughput ${c.throughputVsEveryCase}×, p99 time to ready ${c.timeToReadyP99VsEveryCase}× the case without sampling`);
    }
    for (const c of oneCampaign) {
      if (c.decidable) log(`N=${c.findings} as one campaign: its plan acted on the workload (${c.decidable.change}) ${(c.decidable.ms / 1000).toFixed(1)} s after the first finding, with ${c.decidable.casesInPlan} case(s) in the plan of ${c.decidable.casesJoined} joined`);
      log(`N=${c.findings} as one campaign over ${c.pods} pods: every case waiting ${(c.allWaitingMs / 1000).toFixed(1)} s after the first finding (p99 time to ready ${c.timeToReadyMs.p99} ms); API calls per finding ${c.apiCallsPerFinding} (${Object.entries(c.callsPerFinding).map(([api, n]) => `${api} ${n}`).join(', ')}); VirusTotal ${c.virusTotal?.requests} request(s); throughput ${c.throughputVsIndependentCases}× the independent cases`);
    }
    for (const c of decidedCampaign) {
      const decided = c.decisions.map((d) => `at ${(d.atMs / 1000).toFixed(1)} s naming ${d.cases} (${d.recorded} recorded, ${d.refused} refused, ${d.unanswered} unanswered; ${d.requestMs} ms${d.error ? `; ${d.error}` : ''}${d.refusals ? `; ${Object.entries(d.refusals).map(([why, n]) => `${n}× ${why}`).join('; ')}` : ''})`).join('; ');
      log(`N=${c.findings} as one campaign, decided through the console: ${c.decisions.length} decision(s): ${decided}`);
      log(`N=${c.findings} as one campaign, decided: ${c.decidedBy.approver} case(s) took the approver's decision, ${c.decidedBy.campaign} the campaign's containment (${c.decidedBy.both} case(s) both); every case closed ${c.allClosedMs !== undefined ? `${(c.allClosedMs / 1000).toFixed(1)} s after the first finding` : 'not within the deadline'}; statuses ${Object.entries(c.statuses).map(([s, n]) => `${s} ${n}`).join(', ')}; actions ${Object.entries(c.actions).map(([a, n]) => `${a} ${n}`).join(', ')}`);
    }
    log(`results: ${join(out, 'alert-storm.json')}, plot: ${join(out, 'cost-vs-n.svg')}`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
