import { prebuiltWorkflowBundle } from '../temporal/harness';
import { bundleBeforeMainFlowRecords, runCases, startStorm } from './storm';

/**
 * Joining findings, decisions and status queries racing the main flow, with randomized timing:
 * every history a case writes must replay. The queries matter: a query answered while a local
 * activity's result is still on its way commits that result in one workflow task, while the
 * workflow sees it only in the next, beside whatever else arrived; replay hands it over in the
 * first. With a signal handler of its own scheduling activities and upserting search attributes
 * (the workflow before `main-flow-records`), the two then resume in another order on replay: the
 * case is stuck with TMPRL1100 as soon as it leaves the cache. The negative control runs that
 * workflow under the same storm until the race shows, so this test is known to catch it.
 */

test('joining findings, decisions and queries racing the main flow on a worker with no cache: every history replays', async () => {
  const storm = await startStorm(prebuiltWorkflowBundle(), 0, 0x13);
  try {
    const { failures, ran } = await runCases(storm, 16, 8, { decide: true });
    expect(ran).toBe(16);
    expect(failures).toEqual([]);
  } finally {
    await storm.rig.stop();
  }
}, 600_000);

test('negative control: the workflow whose handlers scheduled activities is caught by the same storm', async () => {
  const storm = await startStorm(await bundleBeforeMainFlowRecords(), 100, 0x13);
  try {
    const { failures } = await runCases(storm, 80, 8, { decide: false, stopAtFirstFailure: true });
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatch(/TMPRL1100|[Nn]ondetermin/);
  } finally {
    await storm.rig.stop();
  }
}, 600_000);
