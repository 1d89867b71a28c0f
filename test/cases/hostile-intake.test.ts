import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/finding-check';
import { FindingError } from '../../src/findings/errors';
import { parseFinding } from '../../src/findings/parse';
import { ingestFinding } from '../../src/intake/ingest';
import { defaultPolicy } from '../../src/workflows/shared';
import { fuzzedFindingTexts } from '../fixtures/fuzzed-findings';
import { attachToTestServer, uniqueTaskQueue } from '../temporal/harness';
import { freshWorkerDatabase, type WorkerDatabase } from '../worker-database';

/**
 * Ten thousand fuzzed findings through each way in. No worker serves these task queues, so
 * every workflow the server holds afterwards was started by intake: it must have come from a
 * finding that parsed. Each refusal is one line that says what is wrong.
 */

const texts = fuzzedFindingTexts(10_000);
const policy = { ...defaultPolicy, approvers: ['secops@acme.example'] };
const clearError = /^invalid finding( at [^:\n]{1,200})?: [^\n]{1,400}$/;

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

/** Which texts the parser accepts, by index: the same parser behind every path. */
function verdicts(): { accepted: Set<number>; errors: Map<number, string> } {
  const accepted = new Set<number>();
  const errors = new Map<number, string>();
  texts.forEach((text, index) => {
    try {
      parseFinding(text);
      accepted.add(index);
    } catch (error) {
      if (!(error instanceof FindingError)) throw new Error(`text #${index} crashed the parser: ${String(error)}`, { cause: error });
      errors.set(index, error.message);
    }
  });
  return { accepted, errors };
}

async function workflowsOn(taskQueue: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const workflow of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) ids.add(workflow.workflowId);
  return ids;
}

async function terminateAll(taskQueue: string): Promise<void> {
  for (const id of await workflowsOn(taskQueue)) await env.client.workflow.getHandle(id).terminate('hostile intake test done').catch(() => undefined);
}

const { accepted, errors } = verdicts();

test('the sample is hostile: most of it is refused, some of it still parses', () => {
  expect(texts).toHaveLength(10_000);
  expect(errors.size).toBeGreaterThan(5_000);
  expect(accepted.size).toBeGreaterThan(100);
  for (const message of errors.values()) expect(message).toMatch(clearError);
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
  const dir = mkdtempSync(join(tmpdir(), 'scc-hostile-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    dataDir: dir,
    temporal: { address: env.address, namespace: 'default', taskQueue, workflowIdPrefix: `scc-case-${taskQueue}` },
    databaseUrl: db.url,
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
    for (const line of refusals) expect(line.replace(/^error: stdin:\d+: /, '')).toMatch(clearError);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(accepted.size);
    const started = new Set(lines.map((line) => line.split(' ')[1]!));
    expect(await workflowsOn(taskQueue)).toEqual(started);
  } finally {
    if (previous === undefined) delete process.env.SCC_CONFIG;
    else process.env.SCC_CONFIG = previous;
    await terminateAll(taskQueue);
  }
}, 240_000);
