import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentCloudError, TransientCloudError } from '../cloud/errors';
import { labSlackChannel } from '../lab/slack-api';
import { startLab, type Lab } from '../lab/server';
import { SlackWebApi } from './slack-web-api';

/** The Slack Web API client against the lab's Slack, and against answers Slack gives when it is in trouble. */

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

test('posts, updates and looks people up with the bot token', async () => {
  const api = new SlackWebApi(lab.slack.apiUrl, lab.slack.botToken);
  const posted = await api.postMessage({ channel: labSlackChannel, text: 'hello', blocks: [] });
  await api.update({ ...posted, text: 'updated', blocks: [] });
  expect(lab.slack.current(lab.slack.messages.find((m) => m.ts === posted.ts)!).text).toBe('updated');
  expect(await api.usersInfo('U0LEAD0001')).toMatchObject({ id: 'U0LEAD0001', email: 'lead@acme.example', deleted: false, isBot: false });
});

test('a revoked token or a channel the app is not in is permanent, and the error names the method and Slack’s code, never the token', async () => {
  const revoked = new SlackWebApi(lab.slack.apiUrl, 'xoxb-revoked-token');
  const error = (await revoked.postMessage({ channel: labSlackChannel, text: 'x', blocks: [] }).then(() => undefined, (e: unknown) => e as Error))!;
  expect(error).toBeInstanceOf(PermanentCloudError);
  expect(error.message).toContain('slack chat.postMessage');
  expect(error.message).toContain('invalid_auth');
  expect(error.message).not.toContain('xoxb-revoked-token');
  await expect(new SlackWebApi(lab.slack.apiUrl, lab.slack.botToken).postMessage({ channel: 'C0NOTAMEMBER', text: 'x', blocks: [] })).rejects.toThrow(/channel_not_found/);
});

test('rate limits, 5xx and a body that is not JSON are transient: the notice is retried', async () => {
  const answers = [{ status: 200, body: '{"ok":false,"error":"ratelimited"}' }, { status: 503, body: 'busy' }, { status: 200, body: '<html>' }];
  let next = 0;
  const server: Server = createServer((_request, response) => {
    const answer = answers[next++]!;
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const api = new SlackWebApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, 'xoxb-any');
    for (let i = 0; i < answers.length; i++) await expect(api.postMessage({ channel: labSlackChannel, text: 'x', blocks: [] })).rejects.toBeInstanceOf(TransientCloudError);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
