import { Worker } from '@temporalio/worker';
import { investigateCase } from '../../src/workflows/investigate-case';
import { searchAttributes } from '../../src/workflows/search-attributes';
import { findingSignal, statusQuery } from '../../src/workflows/shared';
import { parseFindingObject } from '../../src/findings/parse';
import { startCaseRig } from '../case-rig';
import { prebuiltWorkflowBundle } from '../temporal/harness';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function mulberry(seed: number) {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('race experiment', async () => {
  const rig = await startCaseRig();
  const random = mulberry(Number(process.env.RACE_SEED ?? 7));
  const jitter = (max: number) => sleep(Math.floor(random() * max));
  const cache = Number(process.env.RACE_CACHE ?? 0);
  await rig.startWorker({
    maxCachedWorkflows: cache,
    activityOverrides: (real) =>
      Object.fromEntries(
        Object.entries(real).map(([name, fn]) => [
          name,
          async (input: never) => {
            await jitter(name.startsWith('record') ? 120 : 60);
            return (fn as (input: never) => Promise<unknown>)(input);
          },
        ]),
      ) as never,
  });
  const storefront = rig.lab.scenario.findings.filter((f) => String(f.finding.resourceName).includes('storefront') && f.finding.state === 'ACTIVE').map((f) => parseFindingObject(f).finding);
  const runs = Number(process.env.RACE_RUNS ?? 24);
  const failures: string[] = [];
  try {
    const one = async (i: number) => {
      const workflowId = `race-${rig.taskQueue}-${i}`;
      const [first, ...rest] = storefront;
      const handle = await rig.env.client.workflow.signalWithStart(investigateCase, {
        workflowId,
        taskQueue: rig.taskQueue,
        args: [{ subjectKey: `race/${i}`, policy: rig.policy }],
        signal: findingSignal,
        signalArgs: [first!],
        typedSearchAttributes: [{ key: searchAttributes.findingNames, value: [first!.name] }],
      });
      for (const finding of rest.slice(0, 1 + (i % 3))) {
        await jitter(400);
        await handle.signal(findingSignal, finding);
      }
      const deadline = Date.now() + 120_000;
      for (;;) {
        const s = await handle.query(statusQuery).catch(() => undefined);
        if (s && s.status === 'awaiting-decision') break;
        if (Date.now() > deadline) {
          failures.push(`${workflowId}: stuck`);
          break;
        }
        await sleep(200);
      }
      await handle.terminate('race experiment');
      const history = await handle.fetchHistory();
      try {
        await Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, history, workflowId);
      } catch (error) {
        failures.push(`${workflowId}: ${String(error).slice(0, 300)}`);
      }
    };
    const lanes = Number(process.env.RACE_LANES ?? 6);
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < runs) await one(next++);
      }),
    );
    console.log(`race: ${failures.length} of ${runs} failed\n${failures.join('\n')}`);
  } finally {
    await rig.stop();
  }
}, 1_200_000);
