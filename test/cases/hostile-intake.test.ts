import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/finding-check';
import { parseFinding } from '../../src/findings/parse';
import { ingestFinding } from '../../src/intake/ingest';
import { defaultPolicy } from '../../src/workflows/shared';
import { clearRefusal, fuzzedFindingTexts, parseVerdicts } from '../fixtures/fuzzed-findings';
import { attachToTestServer, terminateAllOn, uniqueTaskQueue, workflowIdsOn } from '../temporal/harness';
import { freshWorkerDatabase, type WorkerDatabase } from '../worker-database';

/**
 * Ten thousand fuzzed findings through each way in. No worker serves these task queues, so
 * every workflow the server holds afterwards was started by intake: it must have come from a
 * finding that parsed. Each refusal is one line that says what is wrong.
 */

const texts = fuzzedFindingTexts(10_000);
const policy = { ...defaultPolicy, approvers: ['secops@acme.example'] };

let env: TestWorkflowEnvironment;
let db: WorkerDatabase;

beforeAll(async () => {
  env = await attachToTestServer();
  db = await freshWorkerDatabase();
});

afterAll(async () => {
  await db?.close();
  await env?.teardown();
});

const { accepted, refusals: errors } = parseVerdicts(texts);
const workflowsOn = (taskQueue: string) => workflowIdsOn(env.client, taskQueue);
const terminateAll = (taskQueue: string) => terminateAllOn(env.client, taskQueue, 'hostile intake test done');

test('the sample is hostile: most of it is refused, some of it still parses', () => {
  expect(texts).toHaveLength(10_000);
  expect(errors.size).toBeGreaterThan(5_000);
  expect(accepted.size).toBeGreaterThan(100);
  for (const message of errors.values()) expect(message).toMatch(clearRefusal);
});

test('through the intake function: nothing is started from a refused finding', async () => {
  const taskQueue = uniqueTaskQueue('hostile');
  const deps = { client: env.client, store: db.store, taskQueue, policy, workflowIdPrefix: `scc-case-${taskQueue}` };
  const started = new Set<string>();
  try {
    for (const index of accepted) {
      const result = await ingestFinding(deps, parseFinding(texts[index]!));
      if (result.outOfScope === undefined) started.add(result.workflowId);
    }
    expect(await workflowsOn(taskQueue)).toEqual(started);
  } finally {
    await terminateAll(taskQueue);
  }
}, 240_000);

test('through `scc-responder ingest --lines -`: each refusal names its line, the rest are ingested', async () => {
  const taskQueue = uniqueTaskQueue('hostile-cli');
  // A store of its own: the one above already knows these findings, and would answer "duplicate".
  const cliDb = await freshWorkerDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'scc-hostile-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    dataDir: dir,
    temporal: { address: env.address, namespace: 'default', taskQueue, workflowIdPrefix: `scc-case-${taskQueue}` },
    databaseUrl: cliDb.url,
    policy,
  }));
  const previous = process.env.SCC_CONFIG;
  process.env.SCC_CONFIG = join(dir, 'config.json');
  const out: string[] = [];
  const err: string[] = [];
  // A line break inside a finding would make two lines of one; JSON text never needs one.
  const input = Buffer.from(texts.map((t) => t.replace(/[\r\n]/g, ' ')).join('\n'));
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => input };
  try {
    const code = await main(['ingest', '--lines', '-'], io);
    expect(code).toBe(2);
    const refusals = err.join('').trimEnd().split('\n');
    expect(refusals.pop()).toBe(`error: ${errors.size} of ${texts.length} findings were refused; nothing was started for them`);
    expect(refusals.map((line) => Number(/^error: stdin:(\d+): /.exec(line)?.[1]) - 1)).toEqual([...errors.keys()]);
    for (const line of refusals) expect(line.replace(/^error: stdin:\d+: /, '')).toMatch(clearRefusal);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(accepted.size);
    const started = new Set(lines.map((line) => line.split(' ')[1]!));
    expect(await workflowsOn(taskQueue)).toEqual(started);
  } finally {
    if (previous === undefined) delete process.env.SCC_CONFIG;
    else process.env.SCC_CONFIG = previous;
    await terminateAll(taskQueue);
    await cliDb.close();
  }
}, 240_000);
