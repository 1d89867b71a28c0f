import type { ExecResult } from '../cloud/kubernetes';
import { isRemotePeer, parseCmdline, parseExeLink, parseFdListing, parseStatsAfterSystemStat, parseTcpTables, socketInode, startedAt, type ProcStat, type SocketEntry } from './procfs';

/**
 * The live picture of the suspect processes, read from /proc inside the pod before anything is
 * contained: who they are, who started them, what they started, what they run and whom they talk
 * to. Every read is one command with fixed arguments (`ls`, `cat`, `readlink`), never a shell.
 */

/** Runs one command in the container that can see the pod's processes (the suspect's own, or a helper sharing its process namespace). */
export type ProcExec = (argv: string[]) => Promise<ExecResult>;

export interface WantedProcess {
  /** The pid the finding gave, which may be the node's pid rather than the container's. */
  pid?: number;
  /** The executable the finding names. */
  path?: string;
}

export interface LiveProcess {
  pid: number;
  ppid: number;
  comm: string;
  startedAt?: string;
  exe?: { path: string; deleted: boolean };
  cmdline?: string[];
  /** Why this process is in the picture. */
  role: 'suspect' | 'ancestor' | 'descendant';
}

export interface LiveConnection {
  pid: number;
  fd: number;
  protocol: SocketEntry['protocol'];
  local: string;
  remote: string;
  state: string;
}

/** Where a wanted process was found, and how: the finding's pid itself, or a search by executable and start time. */
export interface FoundProcess {
  wanted: WantedProcess;
  pid: number;
  exe?: { path: string; deleted: boolean };
  how: string;
}

export interface ProcessPicture {
  readAt: string;
  processes: LiveProcess[];
  connections: LiveConnection[];
  /** Peers outside the pod (not loopback, link-local or unspecified), each once. */
  remoteAddresses: string[];
  found: FoundProcess[];
  notes: string[];
}

const limits = { processes: 1024, statsPerRead: 200, inPicture: 64, connections: 500 };

export async function readProcessPicture(exec: ProcExec, wanted: WantedProcess[], eventTime: string | undefined): Promise<ProcessPicture> {
  const notes: string[] = [];
  const readAt = new Date().toISOString();
  const listing = await exec(['ls', '/proc']);
  if (listing.exitCode !== 0) throw new Error(`ls /proc failed: ${listing.stderr.trim() || `exit ${listing.exitCode}`}`);
  const pids = listing.stdout.toString('utf8').split(/\s+/).filter((name) => /^\d+$/.test(name)).map(Number);
  if (pids.length > limits.processes) notes.push(`${pids.length} processes: the first ${limits.processes} were read`);
  const stats = new Map<number, ProcStat>();
  const readable = pids.slice(0, limits.processes);
  let bootTime: number | undefined;
  for (let i = 0; i === 0 || i < readable.length; i += limits.statsPerRead) {
    // A process that exits between `ls` and `cat` is a missing file: cat reads the rest. The first
    // read leads with /proc/stat, for the boot time: one command fewer per case.
    const read = await exec(['cat', ...(i === 0 ? ['/proc/stat'] : []), ...readable.slice(i, i + limits.statsPerRead).map((pid) => `/proc/${pid}/stat`)]);
    const parsed = parseStatsAfterSystemStat(read.stdout.toString('utf8'));
    if (i === 0) bootTime = parsed.bootTime;
    for (const stat of parsed.stats) stats.set(stat.pid, stat);
  }
  const started = (pid: number) => {
    const stat = stats.get(pid);
    return stat && bootTime !== undefined ? startedAt(stat.startTicks, bootTime) : undefined;
  };
  const exeOf = async (pid: number) => {
    const link = await exec(['readlink', `/proc/${pid}/exe`]);
    return link.exitCode === 0 && link.stdout.length > 0 ? parseExeLink(link.stdout.toString('utf8')) : undefined;
  };

  const found: FoundProcess[] = [];
  for (const want of wanted) {
    const hit = await locate(want);
    if (hit) found.push(hit);
    else notes.push(`no running process matches ${want.path ?? 'the finding'}${want.pid ? ` (pid ${want.pid})` : ''}: it has exited`);
  }

  const suspects = [...new Set(found.map((f) => f.pid))];
  const roles = new Map<number, LiveProcess['role']>(suspects.map((pid) => [pid, 'suspect']));
  for (const pid of suspects) {
    for (let parent = stats.get(pid)?.ppid; parent && stats.has(parent) && !roles.has(parent); parent = stats.get(parent)?.ppid) roles.set(parent, 'ancestor');
  }
  const children = (pid: number) => [...stats.values()].filter((s) => s.ppid === pid).map((s) => s.pid);
  const queue = suspects.flatMap(children);
  while (queue.length > 0 && roles.size < limits.inPicture) {
    const pid = queue.shift()!;
    if (roles.has(pid)) continue;
    roles.set(pid, 'descendant');
    queue.push(...children(pid));
  }

  const processes: LiveProcess[] = [];
  const socketOwners = new Map<number, { pid: number; fd: number }>();
  for (const [pid, role] of roles) {
    const stat = stats.get(pid)!;
    const cmdline = await exec(['cat', `/proc/${pid}/cmdline`]);
    const exe = found.find((f) => f.pid === pid)?.exe ?? (await exeOf(pid));
    const fds = await exec(['ls', '-l', `/proc/${pid}/fd`]);
    for (const { fd, target } of parseFdListing(fds.stdout.toString('utf8'))) {
      const inode = socketInode(target);
      if (inode !== undefined) socketOwners.set(inode, { pid, fd });
    }
    const at = started(pid);
    processes.push({ pid, ppid: stat.ppid, comm: stat.comm, role, ...(at ? { startedAt: at } : {}), ...(exe ? { exe } : {}), ...(cmdline.exitCode === 0 ? { cmdline: parseCmdline(cmdline.stdout) } : {}) });
  }

  // The pod's processes share one network namespace: one read of its tables covers them all.
  const connections: LiveConnection[] = [];
  const namespacePid = suspects[0] ?? readable[0];
  if (namespacePid !== undefined) {
    // Both tables in one read; without IPv6 the second is missing, and cat still prints the first.
    const tables = await exec(['cat', `/proc/${namespacePid}/net/tcp`, `/proc/${namespacePid}/net/tcp6`]);
    for (const entry of parseTcpTables(tables.stdout.toString('utf8'))) {
      const owner = socketOwners.get(entry.inode);
      if (!owner || connections.length >= limits.connections) continue;
      connections.push({ ...owner, protocol: entry.protocol, local: `${entry.local.address}:${entry.local.port}`, remote: `${entry.remote.address}:${entry.remote.port}`, state: entry.state });
    }
  }
  const remoteAddresses = [
    ...new Set(
      connections
        .filter((c) => c.state !== 'LISTEN')
        .map((c) => c.remote.slice(0, c.remote.lastIndexOf(':')))
        .filter(isRemotePeer)
        .map((address) => address.replace(/^::ffff:/, '')),
    ),
  ];
  return { readAt, processes: processes.sort((a, b) => a.pid - b.pid), connections, remoteAddresses, found, notes };

  async function locate(want: WantedProcess): Promise<FoundProcess | undefined> {
    if (want.pid !== undefined && stats.has(want.pid)) {
      const exe = await exeOf(want.pid);
      if (!want.path || !exe || exe.path === want.path) return { wanted: want, pid: want.pid, ...(exe ? { exe } : {}), how: `pid ${want.pid}, as the finding gives it` };
    }
    if (!want.path) return undefined;
    const name = want.path.split('/').pop()!.slice(0, 15);
    const candidates: { pid: number; exe: { path: string; deleted: boolean }; at?: string }[] = [];
    for (const stat of stats.values()) {
      if (stat.comm !== name) continue;
      const exe = await exeOf(stat.pid);
      const at = started(stat.pid);
      if (exe?.path === want.path) candidates.push({ pid: stat.pid, exe, ...(at ? { at } : {}) });
    }
    if (candidates.length === 0) return undefined;
    // The process the finding saw started before the finding's event: the latest such start; else the earliest.
    const event = eventTime ? Date.parse(eventTime) : NaN;
    const before = candidates.filter((c) => c.at && Number.isFinite(event) && Date.parse(c.at) <= event + 1000).sort((a, b) => Date.parse(b.at!) - Date.parse(a.at!));
    const chosen = before[0] ?? candidates.sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''))[0]!;
    const given = want.pid !== undefined ? `the finding's pid ${want.pid} is not this process in the container` : 'the finding gives no pid';
    return {
      wanted: want,
      pid: chosen.pid,
      exe: chosen.exe,
      how: `${given}: pid ${chosen.pid} found by its executable ${want.path}${chosen.at ? ` and its start at ${chosen.at}` : ''}${candidates.length > 1 ? ` (of ${candidates.length} running it)` : ''}`,
    };
  }
}
