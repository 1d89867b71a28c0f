/**
 * Reading Linux /proc as the kernel writes it (proc(5)): what a running container tells about a
 * process that files on disk no longer do. Pure parsers; what reads the files is elsewhere.
 */

export interface ProcStat {
  pid: number;
  /** The executable's name, at most 15 characters, as the kernel keeps it. */
  comm: string;
  state: string;
  ppid: number;
  /** Start time in clock ticks after boot (field 22). */
  startTicks: number;
}

/** One line of /proc/PID/stat; the name can hold spaces and parentheses, so it ends at the last ")". */
export function parseStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  const rest = line.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTicks)) return undefined;
  return { pid, comm: line.slice(open + 1, close), state: rest[0] ?? '?', ppid, startTicks };
}

/** Every /proc/PID/stat line in a concatenated read (one `cat` of many files). */
export function parseStats(text: string): ProcStat[] {
  return text.split('\n').flatMap((line) => {
    const stat = line.trim() ? parseStat(line) : undefined;
    return stat ? [stat] : [];
  });
}

/** The boot time, in seconds since the epoch, from /proc/stat's "btime" line. */
export function parseBootTime(text: string): number | undefined {
  const match = /^btime\s+(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * One `cat /proc/stat /proc/PID/stat ...`: the boot time and the processes, in one read. The boot
 * time is taken only from before the first process's line: /proc/stat is the kernel's own words,
 * while a process names itself, and a name that holds "\nbtime ..." must not pass for the clock.
 */
export function parseStatsAfterSystemStat(text: string): { bootTime: number | undefined; stats: ProcStat[] } {
  const lines = text.split('\n');
  const firstProcess = lines.findIndex((line) => /^\d+ \(/.test(line) && parseStat(line) !== undefined);
  const system = firstProcess < 0 ? lines : lines.slice(0, firstProcess);
  return { bootTime: parseBootTime(system.join('\n')), stats: parseStats(firstProcess < 0 ? '' : lines.slice(firstProcess).join('\n')) };
}

/** When a process started, from its start ticks and the boot time (USER_HZ is 100 on every Linux ABI that GKE runs). */
export function startedAt(startTicks: number, bootTime: number, ticksPerSecond = 100): string {
  return new Date((bootTime + startTicks / ticksPerSecond) * 1000).toISOString();
}

/** /proc/PID/cmdline: arguments separated and ended by NUL. */
export function parseCmdline(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const args = text.split('\0');
  if (args.at(-1) === '') args.pop();
  return args;
}

/** The target of /proc/PID/exe: the path, and whether the file was unlinked after the process started. */
export function parseExeLink(link: string): { path: string; deleted: boolean } {
  const trimmed = link.replace(/\n$/, '');
  const deleted = trimmed.endsWith(' (deleted)');
  return { path: deleted ? trimmed.slice(0, -' (deleted)'.length) : trimmed, deleted };
}

/** `ls -l /proc/PID/fd`: each descriptor and what it points at ("socket:[INODE]", a path, "pipe:[…]"). */
export function parseFdListing(text: string): { fd: number; target: string }[] {
  return text.split('\n').flatMap((line) => {
    const match = /\s(\d+) -> (.+)$/.exec(line);
    return match ? [{ fd: Number(match[1]), target: match[2]! }] : [];
  });
}

/** The socket inode a descriptor holds, when it holds one. */
export function socketInode(target: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(target);
  return match ? Number(match[1]) : undefined;
}

export interface SocketEntry {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  local: { address: string; port: number };
  remote: { address: string; port: number };
  state: string;
  inode: number;
}

const tcpStates: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** /proc/net/tcp, tcp6, udp or udp6 (as seen from /proc/PID/net, the process's network namespace). */
export function parseSocketTable(text: string, protocol: SocketEntry['protocol']): SocketEntry[] {
  return text
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) return [];
      const local = decodeEndpoint(fields[1]!);
      const remote = decodeEndpoint(fields[2]!);
      const inode = Number(fields[9]);
      if (!local || !remote || !Number.isInteger(inode)) return [];
      const state = protocol.startsWith('tcp') ? (tcpStates[fields[3]!.toUpperCase()] ?? fields[3]!) : fields[3] === '07' ? 'UNCONN' : fields[3]!;
      return [{ protocol, local, remote, state, inode }];
    });
}

/**
 * One `cat` of /proc/PID/net/tcp and tcp6: each table starts with its header line, and an entry's
 * address width says which it is (8 hex digits IPv4, 32 IPv6). Kernel text only, so it cannot
 * pose as another table; a table that is missing (no IPv6) just leaves its part out.
 */
export function parseTcpTables(text: string): SocketEntry[] {
  return text.split('\n').flatMap((line) => {
    const address = line.trim().split(/\s+/)[1]?.split(':')[0] ?? '';
    if (address.length !== 8 && address.length !== 32) return [];
    return parseSocketTable(`header\n${line}`, address.length === 8 ? 'tcp' : 'tcp6');
  });
}

/** "0100007F:1F90" → 127.0.0.1:8080; addresses are the kernel's words in host (little-endian) order. */
export function decodeEndpoint(hex: string): { address: string; port: number } | undefined {
  const [address, port] = hex.split(':');
  if (!address || !port || !/^[0-9A-Fa-f]+$/.test(address) || !/^[0-9A-Fa-f]{4}$/.test(port)) return undefined;
  const words = address.match(/.{8}/g);
  if (!words || (words.length !== 1 && words.length !== 4)) return undefined;
  const bytes = Buffer.concat(words.map((word) => Buffer.from(word, 'hex').reverse()));
  return { address: words.length === 1 ? [...bytes].join('.') : ipv6(bytes), port: parseInt(port, 16) };
}

function ipv6(bytes: Buffer): string {
  // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  // The longest run of zero groups becomes "::" (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** Addresses that are somebody outside: not loopback, unspecified, or link-local. */
export function isRemotePeer(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return !/^(0\.|127\.|169\.254\.)/.test(v4);
  return !['::', '::1'].includes(address) && !/^fe80:/i.test(address);
}
