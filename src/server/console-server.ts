import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { allowedMethods, createApi, type ApiDeps } from './api';

/**
 * `scc-responder server`: the JSON API and the web console on one listener. The console is three
 * static files (no build step); every page is the same document, which routes on its path.
 */

const assetsDir = join(__dirname, '../../src/server/console');

const assets = {
  '/assets/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/assets/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

/** Enough for a security team's browsers and scripts; a flood of sockets is refused, not served. */
const maxConnections = 256;

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

export async function startConsoleServer(deps: ApiDeps & { host: string; port: number }): Promise<ConsoleServer> {
  const app = createApi(deps);
  const read = (file: string) => readFileSync(join(assetsDir, file));
  const page = read('index.html');
  const files = Object.fromEntries(Object.entries(assets).map(([path, asset]) => [path, { body: read(asset.file), type: asset.type }]));

  for (const [path, asset] of Object.entries(files)) app.get(path, (c) => c.body(asset.body, 200, { 'content-type': asset.type }));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  for (const path of ['/', '/login', '/cases/:caseId{case-[0-9a-f]{12}}', '/campaigns', '/campaigns/:campaignId{campaign-[0-9a-f]{12}}']) app.get(path, (c) => c.body(page, 200, { 'content-type': 'text/html; charset=utf-8' }));
  app.notFound((c) => {
    if (!c.req.path.startsWith('/api/')) return c.text('not found', 404);
    const allowed = c.req.path === '/api/openapi.json' ? ['GET'] : allowedMethods(c.req.path);
    if (allowed.length > 0) return c.json({ error: `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(' or ')}` }, 405, { allow: allowed.join(', ') });
    return c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404);
  });

  const server = await new Promise<Server>((resolve, reject) => {
    // A slow or idle client holds a socket, not the process: headers and bodies have deadlines, connections a cap.
    const started = serve({ fetch: app.fetch, hostname: deps.host, port: deps.port, serverOptions: { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 } }, () => resolve(started as Server));
    (started as Server).once('error', reject);
  });
  server.maxConnections = maxConnections;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${deps.host.includes(':') ? `[${deps.host}]` : deps.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
