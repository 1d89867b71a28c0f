import { createSign, generateKeyPairSync } from 'node:crypto';
import { PushEndpoint, type PushAuth } from '../../src/intake/push-endpoint';
import { startPushServer, type PushServer } from '../../src/intake/push-server';
import type { MessageOutcome } from '../../src/intake/message-intake';
import { startCaseRig, type CaseRig } from '../case-rig';
import { clearRefusal, fuzzedFindingTexts, parseVerdicts } from '../fixtures/fuzzed-findings';
import { terminateAllOn, uniqueTaskQueue, workflowIdsOn } from '../temporal/harness';
import { answerBeforeBody } from '../unsent-body';

/** The Pub/Sub push endpoint over HTTP: who may push, and what becomes of what they push. */

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

async function serve(auth: PushAuth): Promise<PushServer> {
  const endpoint = new PushEndpoint({ client: rig.env.client, store: rig.store, taskQueue: rig.taskQueue, policy: rig.policy, workflowIdPrefix: rig.workflowIdPrefix }, auth);
  return startPushServer(endpoint, { host: '127.0.0.1', port: 0 });
}

/**
 * As Pub/Sub delivers: a push whose connection failed before any answer (a reset on a loaded
 * machine) is not acknowledged, so it is pushed again. An answer, whatever its status, is final.
 */
async function deliver(server: PushServer, body: string, token: string): Promise<{ status: number; text: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await push(server, body, token);
    } catch (error) {
      // fetch's own failure (its TypeError comes from Node's realm, not the test's): no answer came.
      if (attempt >= 5 || (error as { message?: unknown }).message !== 'fetch failed') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

function envelope(data: Buffer | string, messageId: string): string {
  return JSON.stringify({ message: { data: Buffer.from(data).toString('base64'), messageId, attributes: { via: 'push' } }, subscription: 'projects/acme-security/subscriptions/scc-push' });
}

async function push(server: PushServer, body: string, token?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(server.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  return { status: response.status, text: await response.text() };
}

test('lab shared secret: strangers are turned away without a trace; pushed findings start their case; unreadable ones are dead letters, acknowledged', async () => {
  const server = await serve({ kind: 'shared-secret', secret: 'lab-push-secret' });
  try {
    const finding = rig.finding('Launch Code Compiler Tool In Container', 'cloud-run');
    const lettersBefore = (await rig.store.listDeadLetters()).length;
    expect(await push(server, envelope(finding.raw, 'm-1'))).toMatchObject({ status: 401 });
    expect(await push(server, envelope(finding.raw, 'm-1'), 'guess')).toMatchObject({ status: 403 });
    expect((await rig.store.listDeadLetters()).length).toBe(lettersBefore);
    expect(await rig.store.caseForFinding(finding.finding.name)).toBeUndefined();

    expect(await push(server, envelope(finding.raw, 'm-1'), 'lab-push-secret')).toEqual({ status: 204, text: '' });
    expect(await push(server, envelope(finding.raw, 'm-1'), 'lab-push-secret')).toEqual({ status: 204, text: '' });
    expect(await push(server, envelope('{"finding": {"name": 1}}', 'm-2'), 'lab-push-secret')).toEqual({ status: 204, text: '' });
    expect(await push(server, '{"not": "an envelope"}', 'lab-push-secret')).toEqual({ status: 204, text: '' });
    const letters = await rig.store.listDeadLetters();
    expect(letters.slice(0, 2).map((l) => [l.source, l.reason]).sort()).toEqual([
      ['push', expect.stringMatching(/^not a Pub\/Sub push envelope: /)],
      ['push:projects/acme-security/subscriptions/scc-push', expect.stringMatching(/^invalid finding at finding\./)],
    ]);

    const ids = [...(await workflowIdsOn(rig.env.client, rig.taskQueue))];
    expect(ids).toHaveLength(1);
    await rig.waitForStatus(ids[0]!, '', 'awaiting-decision', 90_000);
  } finally {
    await server.close();
  }
}, 120_000);

test('production OIDC: only a token for this audience, signed for this service account and unexpired, is let in', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certs = { 'key-1': publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  const audience = 'https://scc-responder.acme.example/pubsub/push';
  const serviceAccount = 'scc-push@acme-security.iam.gserviceaccount.com';
  const token = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })}.${encode({ iss: 'https://accounts.google.com', aud: audience, email: serviceAccount, email_verified: true, sub: '1', iat: now, exp: now + 600, ...claims })}`;
    return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
  };
  const server = await serve({ kind: 'oidc', audience, serviceAccount, certs: async () => certs });
  try {
    const body = envelope('{"finding": ', 'm-oidc');
    expect(await push(server, body, token({ aud: 'https://elsewhere.example' }))).toMatchObject({ status: 401, text: expect.stringMatching(/audience/i) });
    expect(await push(server, body, token({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }))).toMatchObject({ status: 401 });
    expect(await push(server, body, token({ email: 'someone@acme-security.iam.gserviceaccount.com' }))).toMatchObject({ status: 403 });
    expect(await push(server, body, `${token({}).slice(0, -4)}AAAA`)).toMatchObject({ status: 401 });
    expect(await push(server, body, token({}))).toEqual({ status: 204, text: '' });
    expect((await rig.store.listDeadLetters()).find((l) => l.message_id === 'm-oidc')).toMatchObject({ reason: expect.stringMatching(/is not JSON/) });
  } finally {
    await server.close();
  }
});

test('10,000 fuzzed findings pushed: every one acknowledged, each invalid one a dead letter, nothing started from it', async () => {
  const texts = fuzzedFindingTexts(10_000);
  const invalid = new Set(parseVerdicts(texts).refusals.keys());
  // No worker serves this queue: every workflow on it afterwards was started by a push.
  const taskQueue = uniqueTaskQueue('push-fuzz');
  const endpoint = new PushEndpoint({ client: rig.env.client, store: rig.store, taskQueue, policy: rig.policy, workflowIdPrefix: `scc-case-${taskQueue}` }, { kind: 'shared-secret', secret: 'lab-push-secret' });
  const outcomes: MessageOutcome[] = [];
  const server = await startPushServer(endpoint, { host: '127.0.0.1', port: 0, onResponse: (r) => r.outcome && outcomes.push(r.outcome) });
  try {
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let index = next++; index < texts.length; index = next++) statuses.push((await deliver(server, envelope(texts[index]!, `fuzz-${index}`), 'lab-push-secret')).status);
    }));
    expect(new Set(statuses)).toEqual(new Set([204]));
    const letters = outcomes.filter((o) => o.outcome === 'dead-letter');
    expect(new Set(letters.map((o) => Number(o.messageId.slice('fuzz-'.length))))).toEqual(invalid);
    for (const letter of letters) expect(letter.reason).toMatch(clearRefusal);
    const started = new Set(outcomes.flatMap((o) => (o.outcome === 'ingested' ? [o.workflowId] : [])));
    const onQueue = await workflowIdsOn(rig.env.client, taskQueue);
    expect(onQueue).toEqual(started);
    await terminateAllOn(rig.env.client, taskQueue, 'push fuzz test done');
  } finally {
    await server.close();
  }
}, 300_000);

test('a stranger, or a body declared over the limit, is answered from the headers: not one more byte is read', async () => {
  const server = await serve({ kind: 'shared-secret', secret: 'lab-push-secret' });
  try {
    const huge = 200 * 1024 * 1024;
    expect(await answerBeforeBody(server.url, { headers: { 'content-type': 'application/json' }, declaredBytes: huge })).toEqual({ status: 401, body: 'a bearer token is required' });
    expect(await answerBeforeBody(server.url, { headers: { authorization: 'Bearer guessed' }, declaredBytes: huge })).toEqual({ status: 403, body: 'wrong token' });
    expect(await answerBeforeBody(server.url, { headers: { authorization: 'Bearer lab-push-secret' }, declaredBytes: huge })).toMatchObject({ status: 413 });
  } finally {
    await server.close();
  }
});
