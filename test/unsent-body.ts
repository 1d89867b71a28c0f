import { request } from 'node:http';

/**
 * A request that declares a body it never finishes sending: only the headers and a first chunk
 * go out. A server that judges the request before reading the body answers at once; one that
 * reads first waits for bytes that never come, and the probe says so when its time is up.
 */
export async function answerBeforeBody(
  url: string,
  options: { method?: string; headers: Record<string, string>; timeoutMs?: number } & ({ declaredBytes: number } | { chunkedBytes: number }),
): Promise<{ status: number; body: string } | 'no answer'> {
  return new Promise((resolve, reject) => {
    // Declared: the length is in the headers. Chunked: no length, the bytes go out without end.
    const length = 'declaredBytes' in options ? { 'content-length': String(options.declaredBytes) } : {};
    const req = request(url, { method: options.method ?? 'POST', headers: { ...options.headers, ...length } });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('no answer');
    }, options.timeoutMs ?? 5_000);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      // The server may close the connection under a body it will not read, after answering.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' && (error as NodeJS.ErrnoException).code !== 'EPIPE') reject(error);
    });
    req.write(Buffer.alloc('chunkedBytes' in options ? options.chunkedBytes : 1024, 0x7b));
  });
}
