import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/create-worker';
import { prebuiltWorkflowBundle } from '../temporal/harness';

/**
 * Recorded histories of representative cases replay against today's workflow code without
 * nondeterminism: a change that would break running cases fails here first.
 */
const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((file) => file.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

test.each(files)('%s replays without nondeterminism', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, history, file);
});

test('negative control: a change without a patch marker (a timer before planning) fails every recorded history that plans, and only those', async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [require.resolve('../fixtures/workflows/timer-before-planning')],
    logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined, warn: () => undefined, error: (message: string) => console.error(message) },
  });
  const outcomes: Record<string, 'replays' | 'nondeterminism'> = {};
  const plans: Record<string, boolean> = {};
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    plans[file] = text.includes('"planContainment"');
    try {
      await Worker.runReplayHistory({ workflowBundle: { code } }, historyFromJSON(JSON.parse(text)), file);
      outcomes[file] = 'replays';
    } catch (error) {
      expect(String(error)).toMatch(/[Nn]ondetermin|TMPRL1100/);
      outcomes[file] = 'nondeterminism';
    }
  }
  expect(Object.values(plans).filter(Boolean).length).toBeGreaterThanOrEqual(4);
  expect(outcomes).toEqual(Object.fromEntries(files.map((file) => [file, plans[file] ? 'nondeterminism' : 'replays'])));
}, 120_000);
