import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The route's side of a storm: a loopback JSON webhook that counts the notices it takes, by
 * whom they speak for (a case, or a campaign for its cases) and event. What people would get.
 */
export interface NoticeCounter {
  url: string;
  /** `case ready-for-decision`, `campaign contained`, … */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

/** Larger than any notice: a body beyond it is refused, not counted. */
const maxBodyBytes = 256 * 1024;

export async function startNoticeCounter(): Promise<NoticeCounter> {
  const counts: Record<string, number> = {};
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        if (size > maxBodyBytes) throw new Error('too large');
        const notice = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event?: unknown; campaignId?: unknown };
        const key = `${typeof notice.campaignId === 'string' ? 'campaign' : 'case'} ${String(notice.event)}`;
        counts[key] = (counts[key] ?? 0) + 1;
        response.end('ok');
      } catch {
        response.statusCode = 400;
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`,
    counts: () => ({ ...counts }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
