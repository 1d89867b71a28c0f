import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Real loopback peers for every notice channel: an HTTP endpoint (Slack or a webhook) and an SMTP server. */

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Mail {
  to: string[];
  data: string;
}

export interface NoticeReceivers {
  http(): Promise<{ url: string; received: Received[] }>;
  smtp(): Promise<{ port: number; mails: Mail[] }>;
  close(): Promise<void>;
}

export function noticeReceivers(): NoticeReceivers {
  const closers: (() => Promise<void>)[] = [];
  return {
    async http() {
      const received: Received[] = [];
      const server: Server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
          response.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
    },
    async smtp() {
      const mails: Mail[] = [];
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return { port: (server.server.address() as AddressInfo).port, mails };
    },
    async close() {
      for (const close of closers.splice(0)) await close();
    },
  };
}
