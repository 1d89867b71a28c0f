import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../util/free-port';
import { resolveTemporalCli } from './temporal-cli';
import { startDevServer, type DevServer } from './temporal-dev-server';

/** The embedded stack's Temporal: gRPC for its own, and no door for a page in the user's browser. */

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({ cliPath: resolveTemporalCli(), dbFile: join(mkdtempSync(join(tmpdir(), 'scc-devserver-')), 'temporal.db'), port: await freePort(), uiPort: await freePort() });
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

test('the HTTP API refuses every request, a cross-origin text/plain signal first of all; gRPC answers', async () => {
  const signal = await fetch(`${server.httpApiUrl}/api/v1/namespaces/default/workflows/scc-case-any/signal/decision`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
    body: JSON.stringify({ input: [{ decision: 'approve', approver: 'secops@acme.example', planHash: 'a'.repeat(64) }] }),
  });
  expect(signal.status).toBe(403);
  expect(await signal.json()).toEqual({ code: 7, message: 'Host not allowed' });
  expect((await fetch(`${server.httpApiUrl}/api/v1/namespaces`)).status).toBe(403);

  const connection = await Connection.connect({ address: server.address });
  try {
    expect((await connection.workflowService.listNamespaces({})).namespaces.map((n) => n.namespaceInfo?.name)).toContain('default');
  } finally {
    await connection.close();
  }
});
