import { slackRequestProblem, slackSignature } from './slack-interactions';

/** Slack's request signing, as Slack documents it: v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body), within five minutes. */

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
const now = 1_764_000_000_000;
const at = String(now / 1000);

test('a request signed with the secret, now, is Slack’s', () => {
  expect(slackRequestProblem(secret, { timestamp: at, signature: slackSignature(secret, at, body) }, body, now)).toBeUndefined();
  // Within the window either way: clocks differ.
  const early = String(now / 1000 - 299);
  expect(slackRequestProblem(secret, { timestamp: early, signature: slackSignature(secret, early, body) }, body, now)).toBeUndefined();
});

test('another secret, another body, another timestamp under the same signature: each refused', () => {
  const signature = slackSignature(secret, at, body);
  expect(slackRequestProblem(secret, { timestamp: at, signature: slackSignature('another secret entirely', at, body) }, body, now)).toMatch(/does not match/);
  expect(slackRequestProblem(secret, { timestamp: at, signature }, `${body}&x=1`, now)).toMatch(/does not match/);
  expect(slackRequestProblem(secret, { timestamp: String(now / 1000 + 1), signature }, body, now)).toMatch(/does not match/);
  expect(slackRequestProblem(secret, { timestamp: at, signature: signature.slice(0, -1) }, body, now)).toMatch(/does not match/);
});

test('outside five minutes, malformed or missing headers: refused, saying why', () => {
  for (const offset of [-301, 301]) {
    const t = String(now / 1000 + offset);
    expect(slackRequestProblem(secret, { timestamp: t, signature: slackSignature(secret, t, body) }, body, now)).toMatch(/more than five minutes/);
  }
  expect(slackRequestProblem(secret, { timestamp: '1e9', signature: 'v0=00' }, body, now)).toMatch(/not a Unix time/);
  expect(slackRequestProblem(secret, { timestamp: at }, body, now)).toMatch(/missing/);
  expect(slackRequestProblem(secret, { signature: 'v0=00' }, body, now)).toMatch(/missing/);
});
