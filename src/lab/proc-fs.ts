import type { ScenarioProcess } from './scenario';
import type { LabFile, VirtualFs } from './vfs';

/**
 * The part of /proc a forensic read uses, written in the kernel's formats (proc(5)) from the
 * scenario's process table: stat, cmdline, exe (which still reads an executable that was
 * unlinked), the descriptors, and the network namespace's socket tables.
 */

export interface ProcState {
  /** When the node booted, in seconds since the epoch (/proc/stat "btime"). */
  bootTime: number;
  /** Each process's executable as it was mapped at start: the kernel keeps it while the process lives. */
  executables: Map<number, LabFile>;
  startTicks: Map<number, number>;
  podIp: string;
}

const ticksPerSecond = 100;

/** Also removes what the scenario says was unlinked after it started. */
export function procStateFor(processes: ScenarioProcess[], vfs: VirtualFs, podStarted: string, podIp: string): ProcState {
  const podStart = Date.parse(podStarted) / 1000;
  // The node booted a day before anything the scenario says ran on it.
  const earliest = Math.min(podStart, ...processes.map((p) => (p.startedAt ? Date.parse(p.startedAt) / 1000 : podStart)));
  const bootTime = Math.floor(earliest) - 86_400;
  const executables = new Map<number, LabFile>();
  const startTicks = new Map<number, number>();
  for (const process of processes) {
    const file = vfs.read(process.exe);
    if (file) executables.set(process.pid, file);
    if (process.unlinked) vfs.remove(process.exe);
    const started = process.startedAt ? Date.parse(process.startedAt) / 1000 : podStart;
    startTicks.set(process.pid, Math.max(0, Math.round((started - bootTime) * ticksPerSecond)));
  }
  return { bootTime, executables, startTicks, podIp };
}

export interface ProcView {
  process: ScenarioProcess;
  proc: ProcState | undefined;
  vfs: VirtualFs;
}

/** The bytes of a /proc file, or undefined when there is no such file. */
export function readProc(path: string, visible: ProcView[]): Buffer | undefined {
  if (path === '/proc/stat') {
    const boot = visible.find((v) => v.proc)?.proc?.bootTime ?? Math.floor(Date.now() / 1000) - 86_400;
    return Buffer.from(`cpu  0 0 0 0 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime ${boot}\nprocesses ${visible.length}\nprocs_running 1\nprocs_blocked 0\n`);
  }
  const match = /^\/proc\/(\d+)\/(stat|cmdline|exe|status|net\/tcp6?)$/.exec(path);
  if (!match) return undefined;
  const view = visible.find((v) => v.process.pid === Number(match[1]));
  if (!view) return undefined;
  const { process, proc } = view;
  switch (match[2]) {
    case 'stat':
      return Buffer.from(statLine(process, proc));
    case 'cmdline':
      return Buffer.from(process.args.map((arg) => `${arg}\0`).join(''));
    case 'exe':
      return proc?.executables.get(process.pid)?.bytes;
    case 'status':
      return Buffer.from(`Name:\t${comm(process)}\nState:\tS (sleeping)\nTgid:\t${process.pid}\nPid:\t${process.pid}\nPPid:\t${process.ppid}\n`);
    default:
      return Buffer.from(socketTable(match[2] === 'net/tcp6' ? 'tcp6' : 'tcp', visible));
  }
}

/** Where /proc/PID/exe and /proc/PID/fd/N point, as readlink(1) prints it. */
export function readProcLink(path: string, visible: ProcView[]): string | undefined {
  const match = /^\/proc\/(\d+)\/(exe|cwd|fd\/(\d+))$/.exec(path);
  const view = match && visible.find((v) => v.process.pid === Number(match[1]));
  if (!match || !view) return undefined;
  if (match[2] === 'exe') return view.vfs.read(view.process.exe) || !view.process.unlinked ? view.process.exe : `${view.process.exe} (deleted)`;
  if (match[2] === 'cwd') return '/';
  return descriptors(view.process).find((d) => d.fd === Number(match[3]))?.target;
}

/** `ls /proc` and `ls -l /proc/PID/fd`; undefined for any other directory. */
export function listProc(path: string, visible: ProcView[], long: boolean): string | undefined {
  if (path === '/proc') return [...visible.map((v) => String(v.process.pid)), 'net', 'self', 'stat'].map((name) => `${name}\n`).join('');
  const match = /^\/proc\/(\d+)\/fd$/.exec(path);
  const view = match && visible.find((v) => v.process.pid === Number(match[1]));
  if (!view) return undefined;
  return descriptors(view.process)
    .map((d) => (long ? `lrwx------    1 root     root            64 Jan  1 00:00 ${d.fd} -> ${d.target}\n` : `${d.fd}\n`))
    .join('');
}

function comm(process: ScenarioProcess): string {
  return (process.exe.split('/').pop() ?? '').slice(0, 15);
}

function statLine(process: ScenarioProcess, proc: ProcState | undefined): string {
  const start = proc?.startTicks.get(process.pid) ?? 0;
  // Fields 3 to 24: state, ppid, pgrp, session, tty_nr, tpgid, flags, four fault counts, four times, priority, nice, threads, itrealvalue, starttime, vsize, rss.
  const fields = ['S', process.ppid, process.pid, process.pid, 0, -1, 4194560, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, start, 0, 0];
  return `${process.pid} (${comm(process)}) ${fields.join(' ')} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
}

function inode(pid: number, index: number): number {
  return 20_000 + pid * 8 + index;
}

function descriptors(process: ScenarioProcess): { fd: number; target: string }[] {
  return [
    { fd: 0, target: '/dev/null' },
    { fd: 1, target: `pipe:[${inode(process.pid, 7)}]` },
    { fd: 2, target: `pipe:[${inode(process.pid, 7)}]` },
    ...(process.connections ?? []).map((_, index) => ({ fd: 3 + index, target: `socket:[${inode(process.pid, index)}]` })),
  ];
}

const stateCodes: Record<string, string> = { ESTABLISHED: '01', SYN_SENT: '02', TIME_WAIT: '06', CLOSE_WAIT: '08', LISTEN: '0A' };

function socketTable(protocol: 'tcp' | 'tcp6', visible: ProcView[]): string {
  const header = protocol === 'tcp' ? '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' : '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const rows: string[] = [];
  for (const { process, proc } of visible) {
    (process.connections ?? []).forEach((connection, index) => {
      if (connection.protocol !== protocol) return;
      const local = connection.local ?? `${proc?.podIp ?? '10.0.0.1'}:${40_000 + index}`;
      rows.push(
        `${String(rows.length).padStart(4)}: ${endpoint(local, protocol)} ${endpoint(connection.remote, protocol)} ${stateCodes[connection.state]} 00000000:00000000 00:00000000 00000000     0        0 ${inode(process.pid, index)} 1 0000000000000000 20 4 30 10 -1\n`,
      );
    });
  }
  return header + rows.join('');
}

/** "198.51.100.23:4444" → "176433C6:115C": the address in the kernel's host-order words. */
function endpoint(text: string, protocol: 'tcp' | 'tcp6'): string {
  const split = text.lastIndexOf(':');
  const address = text.slice(0, split).replace(/^\[|\]$/g, '');
  const port = Number(text.slice(split + 1)).toString(16).toUpperCase().padStart(4, '0');
  const bytes = protocol === 'tcp' ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) words.push(Buffer.from(bytes.subarray(i, i + 4)).reverse().toString('hex').toUpperCase());
  return `${words.join('')}:${port}`;
}

function ipv6Bytes(address: string): Buffer {
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const head = v4 ? `${v4[1]}${((n) => `${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`)(v4[2]!.split('.').map(Number))}` : address;
  const [left, right] = head.split('::');
  const l = left ? left.split(':') : [];
  const r = right !== undefined && right !== '' ? right.split(':') : [];
  const groups = [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}
