import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes as Linux accounts it (/proc/PID/stat): user and system time of a process
 * and every live descendant, plus what their children that already exited used (a PostgreSQL
 * server's finished backends, reaped by the postmaster). Zero where /proc is absent or the
 * process is gone: a figure that cannot be read is no figure, never an error.
 */

/** Clock ticks per second on Linux for /proc/PID/stat (USER_HZ, 100 on every architecture Node ships for). */
const ticksPerSecond = 100;

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses: the fields follow the last ")".
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return { pid, ppid: Number(fields[1]), comm, ticks };
}

function allProcesses(): Stat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e)).flatMap((e) => stat(Number(e)) ?? []);
}

/** Milliseconds of CPU used so far by each named process tree (a root PID and its live descendants). */
export function treeCpuMs(roots: Record<string, number | number[] | undefined>): Record<string, number> {
  const processes = allProcesses();
  const children = new Map<number, Stat[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const tree = (pid: number): number => {
    const self = byPid.get(pid);
    if (!self) return 0;
    return self.ticks + (children.get(pid) ?? []).reduce((sum, child) => sum + tree(child.pid), 0);
  };
  return Object.fromEntries(
    Object.entries(roots).map(([name, root]) => {
      const pids = root === undefined ? [] : Array.isArray(root) ? root : [root];
      return [name, (pids.reduce((sum, pid) => sum + tree(pid), 0) * 1000) / ticksPerSecond];
    }),
  );
}

/** The PostgreSQL servers' postmasters: processes named "postgres" whose parent is not one. */
export function postmasterPids(): number[] {
  const processes = allProcesses();
  const names = new Map(processes.map((p) => [p.pid, p.comm]));
  return processes.filter((p) => p.comm === 'postgres' && names.get(p.ppid) !== 'postgres').map((p) => p.pid);
}
