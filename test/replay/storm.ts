import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Finding } from '../../src/findings/model';
import { parseFindingObject } from '../../src/findings/parse';
import { investigateCase } from '../../src/workflows/investigate-case';
import { searchAttributes } from '../../src/workflows/search-attributes';
import { findingSignal, statusQuery } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';

/**
 * A storm of joining findings, decisions and status queries against cases, with randomized
 * timing (seeded): what the replay tests and the repair test put workflows through.
 */

const EventType = temporal.api.enums.v1.EventType;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Bundle = { codePath: string } | { code: string };

export interface Storm {
  rig: CaseRig;
  bundle: Bundle;
  random: () => number;
  findings: Finding[];
  /** Workflows left running with a history that does not replay (`keepStuck`). */
  stuck: string[];
}

/** Records take a few milliseconds each (as a database does), so they overlap queries and signals. */
export async function startStorm(bundle: Bundle, maxCachedWorkflows: number, seed: number): Promise<Storm> {
  const rig = await startCaseRig();
  const random = mulberry32(seed);
  await rig.startWorker({
    workflowBundle: bundle,
    maxCachedWorkflows,
    activityOverrides: (real) =>
      Object.fromEntries(
        Object.entries(real).map(([name, activity]) => [
          name,
          async (input: never) => {
            await sleep(Math.floor(random() * (name.startsWith('record') ? 8 : 40)));
            return (activity as (input: never) => Promise<unknown>)(input);
          },
        ]),
      ),
  });
  const findings = rig.lab.scenario.findings.filter((f) => String(f.finding.resourceName).includes('storefront') && f.finding.state === 'ACTIVE').map((f) => parseFindingObject(f).finding);
  return { rig, bundle, random, findings, stuck: [] };
}

/**
 * One case through the storm: opened by one finding, joined by up to three more at random
 * moments, an early decision by signal (refused: nothing to decide yet), queries all along, then
 * a decision by update or by signal. Resolves with the replay failure, if any.
 */
export async function oneCase(storm: Storm, run: number, options: { decide: boolean; keepStuck?: boolean }): Promise<string | undefined> {
  const { rig, random, findings } = storm;
  const [first, ...rest] = findings;
  const workflowId = `race-${rig.taskQueue}-${run}`;
  const handle = await rig.env.client.workflow.signalWithStart(investigateCase, {
    workflowId,
    taskQueue: rig.taskQueue,
    args: [{ subjectKey: `race/${run}`, policy: rig.policy }],
    signal: findingSignal,
    signalArgs: [first!],
    typedSearchAttributes: [{ key: searchAttributes.findingNames, value: [first!.name] }],
  });
  let querying = true;
  const queries = (async () => {
    while (querying) {
      await handle.query(statusQuery).catch(() => undefined);
      await sleep(1);
    }
  })();
  try {
    for (const finding of rest.slice(0, 1 + (run % 3))) {
      await sleep(Math.floor(random() * 300));
      await handle.signal(findingSignal, finding);
      if (random() < 0.3) await rig.signalDecision(handle, { decision: 'approve', approver: approvers.lead, planHash: 'early' });
    }
    const deadline = Date.now() + 120_000;
    let snapshot = await handle.query(statusQuery).catch(() => undefined);
    while (snapshot?.status !== 'awaiting-decision' && Date.now() < deadline) {
      await sleep(50);
      snapshot = await handle.query(statusQuery).catch(() => snapshot);
    }
    if (options.decide && snapshot?.pending) {
      const decision = { decision: 'approve' as const, approver: approvers.secops, planHash: snapshot.pending.planHash };
      if (random() < 0.5) await rig.decide(handle, decision).catch(() => undefined);
      else await rig.signalDecision(handle, decision);
      await Promise.race([handle.result().catch(() => undefined), sleep(60_000)]);
    }
  } finally {
    querying = false;
    await queries;
  }
  const history = await handle.fetchHistory();
  const stuck = (history.events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED && /TMPRL1100|[Nn]ondetermin/.test(e.workflowTaskFailedEventAttributes?.failure?.message ?? ''));
  let failure = stuck ? `${workflowId}: stuck: ${stuck.workflowTaskFailedEventAttributes?.failure?.message}` : undefined;
  if (!failure) {
    try {
      await Worker.runReplayHistory({ workflowBundle: storm.bundle }, history, workflowId);
    } catch (error) {
      failure = `${workflowId}: ${String(error).slice(0, 400)}`;
    }
  }
  if (failure && options.keepStuck) storm.stuck.push(workflowId);
  else await handle.terminate('race test done').catch(() => undefined);
  return failure;
}

/** Runs cases a few at a time until `stop` says so or all are done; returns every failure. */
export async function runCases(storm: Storm, runs: number, lanes: number, options: { decide: boolean; stopAtFirstFailure?: boolean; keepStuck?: boolean }): Promise<{ failures: string[]; ran: number }> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < runs && !(options.stopAtFirstFailure && failures.length > 0)) {
        const failure = await oneCase(storm, next++, options);
        if (failure) failures.push(failure);
      }
    }),
  );
  return { failures, ran: next };
}


/** The workflow as it was before `main-flow-records`, bundled as a workflow of its own. */
export async function bundleBeforeMainFlowRecords(): Promise<Bundle> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/workflows/before-main-flow-records'),
    logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined, warn: () => undefined, error: (message: string) => console.error(message) },
  });
  return { code };
}
