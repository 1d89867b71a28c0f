import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { maxPushBytes, type PushEndpoint, type PushResponse } from './push-endpoint';

/** The push endpoint on its own HTTP listener: POST /pubsub/push, nothing else. */
export interface PushServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxPushBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startPushServer(endpoint: PushEndpoint, options: { host: string; port: number; onResponse?: (response: PushResponse) => void }): Promise<PushServer> {
  const server = createServer((request, response) => {
    void (async () => {
      let answer: PushResponse;
      if (request.method !== 'POST' || request.url !== '/pubsub/push') answer = { status: 404, body: 'POST /pubsub/push' };
      else {
        const body = await readBody(request);
        answer = body === undefined ? { status: 413, body: `a push body is at most ${maxPushBytes} bytes` } : await endpoint.handle({ authorization: request.headers.authorization, body });
      }
      options.onResponse?.(answer);
      response.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' }).end(answer.body);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/pubsub/push`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
