import { PubSub, v1 } from '@google-cloud/pubsub';
import { PubSubPullIntake, parseSubscription } from '../../src/intake/pubsub-pull';
import type { MessageOutcome } from '../../src/intake/message-intake';
import { defaultPolicy } from '../../src/workflows/shared';
import { startCaseRig, type CaseRig } from '../case-rig';
import { clearRefusal, fuzzedFindingTexts, parseVerdicts } from '../fixtures/fuzzed-findings';
import { startPubSubEmulator, type PubSubEmulator } from '../pubsub-emulator';
import { freshWorkerDatabase } from '../worker-database';
import { terminateAllOn, uniqueTaskQueue, workflowIdsOn } from '../temporal/harness';

/** Findings pulled from a subscription on the real Pub/Sub emulator, as an SCC NotificationConfig publishes them. */

const project = 'acme-security';
let emulator: PubSubEmulator;
let pubsub: PubSub;
let rig: CaseRig;

beforeAll(async () => {
  emulator = await startPubSubEmulator();
  pubsub = new PubSub({ projectId: project, apiEndpoint: emulator.host, emulatorMode: true });
  rig = await startCaseRig();
  await rig.startWorker();
}, 120_000);

afterAll(async () => {
  await rig?.stop();
  await pubsub?.close();
  await emulator?.stop();
}, 180_000);

/** A subscription as production should have one: with a dead-letter policy, so Pub/Sub counts each message's deliveries. */
async function subscriptionFor(name: string): Promise<string> {
  const [topic] = await pubsub.createTopic(`${name}-topic`);
  const [dead] = await pubsub.createTopic(`${name}-dead`);
  await topic.createSubscription(name, { ackDeadlineSeconds: 10, deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: 5 } });
  return `projects/${project}/subscriptions/${name}`;
}

/** What the subscription still holds for delivery right now: a synchronous pull that does not wait. */
async function heldBy(subscription: string): Promise<number> {
  const client = new v1.SubscriberClient({ ...pubsub.options });
  try {
    const [response] = await client.pull({ subscription, maxMessages: 1000, returnImmediately: true });
    return response.receivedMessages?.length ?? 0;
  } finally {
    await client.close();
  }
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a subscription name is checked before anything connects', () => {
  expect(parseSubscription('projects/acme-security/subscriptions/scc-findings')).toEqual({ project: 'acme-security', subscription: 'scc-findings' });
  expect(() => parseSubscription('projects/../subscriptions/x')).toThrow(/is not a Pub\/Sub subscription \(projects\/PROJECT\/subscriptions\/NAME\)/);
});

test('pulled findings start one case per subject, redeliveries join it, and malformed messages become dead letters, acknowledged once', async () => {
  const subscription = await subscriptionFor('scc-responder');
  const topic = pubsub.topic('scc-responder-topic');
  const outcomes: MessageOutcome[] = [];
  const deliveries = new Map<string, number | undefined>();
  const errors: string[] = [];
  const intake = new PubSubPullIntake(
    { client: rig.env.client, store: rig.store, taskQueue: rig.taskQueue, policy: rig.policy, workflowIdPrefix: rig.workflowIdPrefix },
    {
      subscription,
      emulatorHost: emulator.host,
      onOutcome: (o, delivery) => {
        outcomes.push(o);
        deliveries.set(o.messageId, delivery.deliveryAttempt);
      },
      onError: (e) => errors.push(e.message),
    },
  );
  intake.start();
  let stopped = false;
  try {
    const malformed = [Buffer.from('{"finding": '), Buffer.from([0xff, 0xfe, 0x00, 0x7b]), Buffer.from(rig.finding('Malicious Script Executed', 'gke').raw.replace(/"Pod_Name":\s*"[^"]+"/, '"Pod_Name": "../../etc/passwd"'))];
    const published: string[] = [];
    for (const data of malformed) published.push(await topic.publishMessage({ data, attributes: { source: 'test' } }));
    await until(() => outcomes.length === 3, 30_000, () => JSON.stringify(outcomes));
    expect(outcomes.map((o) => o.outcome)).toEqual(['dead-letter', 'dead-letter', 'dead-letter']);

    // The subscriber lives on: the same finding three times, and another on a different container.
    const compiler = rig.finding('Launch Code Compiler Tool In Container', 'cloud-run');
    const script = rig.finding('Malicious Script Executed', 'gke');
    for (const parsed of [compiler, compiler, script, compiler]) await topic.publishMessage({ data: Buffer.from(parsed.raw) });
    await until(() => outcomes.length === 7, 30_000, () => JSON.stringify(outcomes));
    const ingested = outcomes.filter((o) => o.outcome === 'ingested');
    expect(ingested).toHaveLength(4);
    const byFinding = new Map(ingested.map((o) => [o.findingName, new Set<string>()]));
    for (const o of ingested) byFinding.get(o.findingName)!.add(o.caseId);
    expect([...byFinding.values()].map((cases) => cases.size)).toEqual([1, 1]);
    const compilerCase = ingested.find((o) => o.findingName === compiler.finding.name)!;
    await rig.waitForStatus(compilerCase.workflowId, '', 'awaiting-decision', 90_000);

    const letters = await rig.store.listDeadLetters();
    expect(letters).toHaveLength(3);
    expect(letters.map((l) => l.reason)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^invalid finding at finding\.sourceProperties\.Pod_Name: /),
      expect.stringMatching(/^invalid finding: is not JSON/),
      expect.stringMatching(/^invalid finding: is not valid UTF-8/),
    ]));
    for (const [index, data] of malformed.entries()) {
      const letter = letters.find((l) => l.message_id === published[index])!;
      expect(await rig.store.deadLetterRaw(letter.id)).toEqual(data);
      expect(letter).toMatchObject({ source: `pubsub:${subscription}`, attributes: { source: 'test' }, size: data.length });
    }
    // Settled means acknowledged: Pub/Sub delivered each message once, and once the subscriber
    // has stopped (anything it still held would be given back), the subscription holds nothing.
    await intake.stop();
    stopped = true;
    expect([...deliveries.values()]).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(await heldBy(subscription)).toBe(0);
    expect(outcomes).toHaveLength(7);
    expect(errors).toEqual([]);
  } finally {
    if (!stopped) await intake.stop();
  }
}, 180_000);

test('10,000 fuzzed findings through Pub/Sub: each valid one is ingested, each invalid one is a dead letter, nothing is started from it', async () => {
  const texts = fuzzedFindingTexts(10_000);
  const { accepted, refusals: invalid } = parseVerdicts(texts);
  const subscription = await subscriptionFor('scc-fuzz');
  const topic = pubsub.topic('scc-fuzz-topic', { batching: { maxMessages: 500, maxMilliseconds: 20 } });
  // No worker serves this queue: every workflow on it afterwards was started by intake.
  const taskQueue = uniqueTaskQueue('pubsub-fuzz');
  const outcomes: MessageOutcome[] = [];
  const errors: string[] = [];
  // A store of its own over the PostgreSQL protocol: 32 messages at once need more than one connection.
  const db = await freshWorkerDatabase();
  const intake = new PubSubPullIntake(
    { client: rig.env.client, store: db.store, taskQueue, policy: { ...defaultPolicy, approvers: ['secops@acme.example'] }, workflowIdPrefix: `scc-case-${taskQueue}` },
    { subscription, emulatorHost: emulator.host, maxInFlight: 32, onOutcome: (o) => outcomes.push(o), onError: (e) => errors.push(e.message) },
  );
  intake.start();
  try {
    const published = await Promise.all(texts.map((text, index) => topic.publishMessage({ data: Buffer.from(text), attributes: { index: String(index) } })));
    const indexOf = new Map(published.map((messageId, index) => [messageId, index]));
    // Pub/Sub delivers at least once: a message can come twice, and is then settled twice the same way.
    const settled = () => new Map(outcomes.map((o) => [o.messageId, o]));
    await until(() => settled().size >= texts.length, 600_000, () => `${settled().size} of ${texts.length} settled; errors: ${errors.slice(0, 3).join(' | ')}`);
    // A backlog waiting on flow control keeps its lease: redeliveries stay the exception.
    expect(outcomes.length).toBeLessThan(texts.length * 1.25);
    const deadLetters = [...settled().values()].filter((o) => o.outcome === 'dead-letter');
    // The very messages the parser refuses are dead letters, and every one it accepts was ingested.
    const indices = (outcome: MessageOutcome['outcome']) => [...settled().values()].filter((o) => o.outcome === outcome).map((o) => indexOf.get(o.messageId)!).sort((a, b) => a - b);
    expect(indices('dead-letter')).toEqual([...invalid.keys()].sort((a, b) => a - b));
    expect(indices('ingested')).toEqual([...accepted].sort((a, b) => a - b));
    for (const letter of deadLetters) expect(letter.reason).toMatch(clearRefusal);
    const started = new Set(outcomes.flatMap((o) => (o.outcome === 'ingested' ? [o.workflowId] : [])));
    const onQueue = await workflowIdsOn(rig.env.client, taskQueue);
    expect(onQueue).toEqual(started);
    expect((await db.store.listDeadLetters({ limit: 20_000 })).length).toBe(invalid.size);
    await terminateAllOn(rig.env.client, taskQueue, 'fuzz test done');
  } finally {
    await intake.stop();
    await db.close();
  }
}, 800_000);
