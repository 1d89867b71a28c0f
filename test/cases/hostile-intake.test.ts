import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/finding-check';
import { parseFinding } from '../../src/findings/parse';
import { storableText } from '../../src/cases/case-store';
import { handleMessage } from '../../src/intake/message-intake';
import { defaultPolicy, subjectKeyOf, workflowIdFor } from '../../src/workflows/shared';
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

test('through the intake function, every text: a case for each finding that parses, a dead letter for each that does not, nothing else', async () => {
  const taskQueue = uniqueTaskQueue('hostile');
  const workflowIdPrefix = `scc-case-${taskQueue}`;
  const source = `fuzz:${taskQueue}`;
  const deps = { client: env.client, store: db.store, taskQueue, policy, workflowIdPrefix };
  // What should happen, from the parser alone: intake's own answers are not consulted.
  const bytes = texts.map((text) => Buffer.from(text, 'utf8'));
  const refused = new Map<string, string>();
  const firstOfName = new Map<string, string>();
  bytes.forEach((data, index) => {
    try {
      const { finding } = parseFinding(data);
      // A finding name is its identity: a later text with the same name is the same finding again.
      if (!firstOfName.has(finding.name)) firstOfName.set(finding.name, workflowIdFor(subjectKeyOf(finding.subject), workflowIdPrefix));
    } catch (error) {
      refused.set(`m${index}`, (error as Error).message);
    }
  });
  try {
    for (const [index, data] of bytes.entries()) await handleMessage(deps, { source, messageId: `m${index}`, data, attributes: {} });

    expect(await workflowsOn(taskQueue)).toEqual(new Set(firstOfName.values()));
    const letters = await db.store.db.query<{ message_id: string; reason: string; raw: Buffer }>('select message_id, reason, raw from dead_letters where source = $1', [source]);
    expect(new Map(letters.map((l) => [l.message_id, l.reason]))).toEqual(new Map([...refused].map(([id, reason]) => [id, storableText(reason)])));
    for (const letter of letters) expect(Buffer.compare(Buffer.from(letter.raw), bytes[Number(letter.message_id.slice(1))]!)).toBe(0);
    const kept = await db.store.db.query<{ finding_name: string }>('select finding_name from intake');
    expect(new Set(kept.map((k) => k.finding_name))).toEqual(new Set(firstOfName.keys()));
    for (const [name, workflowId] of firstOfName) expect((await db.store.runForFinding(name))?.workflowId).toBe(workflowId);
  } finally {
    await terminateAll(taskQueue);
  }
}, 300_000);

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
