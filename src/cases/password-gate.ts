import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded case store on a TCP port, behind a password. PGlite speaks the PostgreSQL protocol
 * but asks no one for a password, so it listens on a Unix socket in a directory only this user
 * can enter, and the port in front of it asks each client for the password (PostgreSQL's
 * cleartext exchange: the port is loopback only) before the connection reaches PGlite.
 */

const sslRequest = 80877103;
const gssEncRequest = 80877104;
const protocol3 = 196608;
const maxStartupBytes = 10_000;

export interface PasswordGate {
  /** `host:port` */
  address: string;
  stop(): Promise<void>;
}

export async function startPasswordGate(options: { db: PGlite; host: string; port: number; password: string; maxConnections?: number }): Promise<PasswordGate> {
  const dir = mkdtempSync(join(tmpdir(), 'scc-db-'));
  const path = join(dir, 'pglite.sock');
  const inner = new PGLiteSocketServer({ db: options.db, path, maxConnections: options.maxConnections ?? 32 });
  await inner.start();
  const expected = Buffer.from(options.password);
  const clients = new Set<Socket>();

  const server: Server = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.on('error', () => client.destroy());
    client.setTimeout(30_000, () => client.destroy());
    void admit(client, expected, path).catch(() => client.destroy());
  });
  server.maxConnections = options.maxConnections ?? 32;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    address: `${options.host}:${port}`,
    async stop() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await inner.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads from the socket until `need(buffer)` says how much makes a whole message (undefined: not yet). */
function readMessage(socket: Socket, buffered: Buffer, need: (buffer: Buffer) => number | undefined): Promise<{ message: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffer = buffered;
    const check = () => {
      const length = need(buffer);
      if (length !== undefined && buffer.length >= length) {
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.pause();
        resolve({ message: buffer.subarray(0, length), rest: buffer.subarray(length) });
        return true;
      }
      if (buffer.length > maxStartupBytes) {
        socket.off('data', onData);
        reject(new Error('startup message too large'));
        return true;
      }
      return false;
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      check();
    };
    const onClose = () => reject(new Error('closed before the startup finished'));
    if (check()) return;
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

const startupLength = (buffer: Buffer) => (buffer.length >= 4 ? buffer.readInt32BE(0) : undefined);
const typedLength = (buffer: Buffer) => (buffer.length >= 5 ? 1 + buffer.readInt32BE(1) : undefined);

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([...[['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([k, v]) => Buffer.from(`${k}${v}\0`)), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

async function admit(client: Socket, expected: Buffer, innerPath: string): Promise<void> {
  let rest: Buffer = Buffer.alloc(0);
  let startup: Buffer;
  for (;;) {
    ({ message: startup, rest } = await readMessage(client, rest, startupLength));
    const code = startup.length >= 8 ? startup.readInt32BE(4) : 0;
    if (code === sslRequest || code === gssEncRequest) {
      client.write('N');
      continue;
    }
    if (code !== protocol3) {
      client.end(errorResponse('08P01', 'scc-responder case store: a PostgreSQL protocol 3 startup is expected'));
      return;
    }
    break;
  }
  // AuthenticationCleartextPassword, then the client's PasswordMessage.
  client.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
  const { message: reply, rest: after } = await readMessage(client, rest, typedLength);
  const given = reply[0] === 0x70 ? reply.subarray(5, reply.length - 1) : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    client.end(errorResponse('28P01', 'password authentication failed (the password is in the stack\'s data folder)'));
    return;
  }
  const backend = connect(innerPath);
  backend.on('error', () => client.destroy());
  client.on('close', () => backend.destroy());
  backend.on('close', () => client.destroy());
  await new Promise<void>((resolve) => backend.once('connect', () => resolve()));
  client.setTimeout(0);
  // PGlite answers the startup itself (AuthenticationOk and the rest); what followed the password goes after it.
  backend.write(Buffer.concat([startup, after]));
  client.pipe(backend);
  backend.pipe(client);
  client.resume();
}
