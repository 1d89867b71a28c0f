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

const tooLarge: PushResponse = { status: 413, body: `a push body is at most ${maxPushBytes} bytes` };

export async function startPushServer(endpoint: PushEndpoint, options: { host: string; port: number; onResponse?: (response: PushResponse) => void }): Promise<PushServer> {
  const server = createServer((request, response) => {
    const readAndHandle = async (): Promise<PushResponse> => {
      const body = await readBody(request);
      unread = false;
      return body === undefined ? tooLarge : endpoint.handleAuthenticated(body);
    };
    let unread = true;
    void (async () => {
      let answer: PushResponse;
      // The caller is known from its headers, and a body's declared size is checked, before one byte of it is read.
      const authorization = request.headers.authorization;
      if (request.method !== 'POST' || request.url !== '/pubsub/push') answer = { status: 404, body: 'POST /pubsub/push' };
      else answer = (await endpoint.authenticate(authorization)) ?? (Number(request.headers['content-length'] ?? 0) > maxPushBytes ? tooLarge : undefined) ?? (await readAndHandle());
      options.onResponse?.(answer);
      // A body left unread (a stranger's, or one too large) is not waited for: the connection ends with the answer.
      response.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...(unread || answer.status === 413 ? { connection: 'close' } : {}) }).end(answer.body);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(error instanceof Error ? error.message : String(error));
    });
  });
  // A slow or idle client holds a socket, not the process.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.maxConnections = 256;
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
