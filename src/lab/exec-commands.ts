import { createHash } from 'node:crypto';
import { pack } from 'tar-stream';
import type { ContainerRuntime } from './kube-cluster';
import { normalize, type LabFile } from './vfs';
import { listProc, readProc, readProcLink, type ProcView } from './proc-fs';

/**
 * The commands `exec` can run in a lab container. They read the scenario's virtual filesystem
 * and never touch the host; anything else is "not found", as in a minimal image.
 */

export type ExecOutcome =
  | { started: true; stdout: Buffer; stderr: Buffer; exitCode: number }
  /** The runtime could not start the command at all (no such executable). */
  | { started: false; message: string };

type Context = { self: ContainerRuntime; container: (name: string) => ContainerRuntime | undefined };

const commands: Record<string, (args: string[], context: Context) => Promise<Output> | Output> = {
  cat,
  sha256sum,
  ls,
  tar,
  ps,
  readlink,
};

interface Output {
  stdout: Buffer[];
  stderr: string[];
  exitCode: number;
}

export async function runCommand(argv: string[], context: Context): Promise<ExecOutcome> {
  const [command, ...args] = argv;
  const name = command?.split('/').pop() ?? '';
  const run = commands[name];
  if (!command || context.self.distroless || !run) {
    return {
      started: false,
      message: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command ?? ''}": executable file not found in $PATH: unknown`,
    };
  }
  const output = await run(args, context);
  return { started: true, stdout: Buffer.concat(output.stdout), stderr: Buffer.from(output.stderr.join('')), exitCode: output.exitCode };
}

/** Reads a path as the container sees it, including /proc/<pid>/root of a shared process namespace. */
function resolve(path: string, context: Context): LabFile | undefined {
  const normalized = normalize(path);
  const proc = /^\/proc\/(\d+)\/root(\/.*)?$/.exec(normalized);
  if (proc) {
    const pid = Number(proc[1]);
    const visible = [context.self, ...(context.self.target ? [context.container(context.self.target)] : [])];
    const owner = visible.find((runtime) => runtime?.processes.some((process) => process.pid === pid));
    return owner?.vfs.read(proc[2] ?? '/');
  }
  if (normalized.startsWith('/proc/')) {
    const bytes = readProc(normalized, procViews(context));
    return bytes && { bytes, mode: 0o444 };
  }
  return context.self.vfs.read(normalized);
}

/** The processes this container sees, each with the runtime that holds its files (a shared process namespace shows the target's). */
function procViews(context: Context): ProcView[] {
  const target = context.self.target ? context.container(context.self.target) : undefined;
  return [context.self, ...(target ? [target] : [])]
    .flatMap((runtime) => runtime.processes.map((process) => ({ process, proc: runtime.proc, vfs: runtime.vfs })))
    .sort((a, b) => a.process.pid - b.process.pid);
}

function visibleProcesses(context: Context) {
  const target = context.self.target ? context.container(context.self.target) : undefined;
  return [...context.self.processes, ...(target?.processes ?? [])].sort((a, b) => a.pid - b.pid);
}

function missing(command: string, path: string): string {
  return `${command}: ${path}: No such file or directory\n`;
}

function cat(args: string[], context: Context): Output {
  const output: Output = { stdout: [], stderr: [], exitCode: 0 };
  for (const path of args.filter((arg) => !arg.startsWith('-') || arg === '-')) {
    const file = resolve(path, context);
    if (file) output.stdout.push(file.bytes);
    else {
      output.stderr.push(missing('cat', path));
      output.exitCode = 1;
    }
  }
  return output;
}

function sha256sum(args: string[], context: Context): Output {
  const output: Output = { stdout: [], stderr: [], exitCode: 0 };
  for (const path of args.filter((arg) => !arg.startsWith('-'))) {
    const file = resolve(path, context);
    if (file) output.stdout.push(Buffer.from(`${createHash('sha256').update(file.bytes).digest('hex')}  ${path}\n`));
    else {
      output.stderr.push(missing('sha256sum', path));
      output.exitCode = 1;
    }
  }
  return output;
}

function ls(args: string[], context: Context): Output {
  const long = args.some((arg) => /^-[a-zA-Z]*l/.test(arg));
  const paths = args.filter((arg) => !arg.startsWith('-'));
  const output: Output = { stdout: [], stderr: [], exitCode: 0 };
  for (const path of paths.length > 0 ? paths : ['/']) {
    const file = resolve(path, context);
    if (file) {
      output.stdout.push(Buffer.from(long ? `${describe(file)} ${path}\n` : `${path}\n`));
      continue;
    }
    const proc = listProc(normalize(path), procViews(context), long);
    if (proc !== undefined) {
      output.stdout.push(Buffer.from(proc));
      continue;
    }
    const entries = context.self.vfs.list(path);
    if (!entries) {
      output.stderr.push(`ls: cannot access '${path}': No such file or directory\n`);
      output.exitCode = 2;
      continue;
    }
    for (const entry of entries) {
      output.stdout.push(Buffer.from(long ? `${entry.file ? describe(entry.file) : 'drwxr-xr-x 2 root root 4096'} ${entry.name}\n` : `${entry.name}\n`));
    }
  }
  return output;
}

function describe(file: LabFile): string {
  const bits = (file.mode & 0o777).toString(2).padStart(9, '0');
  const letters = 'rwxrwxrwx'.split('').map((letter, index) => (bits[index] === '1' ? letter : '-')).join('');
  return `-${letters} 1 root root ${file.bytes.length}`;
}

/** `tar cf - PATH...` (what `kubectl cp` runs), with `-C DIR` and the usual flag spellings. */
async function tar(args: string[], context: Context): Promise<Output> {
  const output: Output = { stdout: [], stderr: [], exitCode: 0 };
  const flags = (args[0] ?? '').replace(/^-/, '');
  if (!flags.includes('c') || !flags.includes('f') || args[1] !== '-') {
    return { stdout: [], stderr: ['tar: only "tar cf - PATH..." is supported\n'], exitCode: 2 };
  }
  let directory = '/';
  const paths: string[] = [];
  for (let i = 2; i < args.length; i++) {
    if (args[i] === '-C') directory = args[++i] ?? '/';
    else paths.push(args[i]!);
  }
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolvePromise) => archive.on('end', () => resolvePromise()));
  let strippedSlash = false;
  for (const path of paths) {
    const absolute = path.startsWith('/') ? path : `${directory.replace(/\/$/, '')}/${path}`;
    const file = resolve(absolute, context);
    if (!file) {
      output.stderr.push(`tar: ${path}: Cannot stat: No such file or directory\n`);
      output.exitCode = 2;
      continue;
    }
    strippedSlash ||= path.startsWith('/');
    archive.entry({ name: path.replace(/^\/+/, ''), size: file.bytes.length, mode: file.mode, mtime: new Date(0) }, file.bytes);
  }
  archive.finalize();
  await done;
  if (strippedSlash) output.stderr.unshift("tar: Removing leading `/' from member names\n");
  if (output.exitCode !== 0) output.stderr.push('tar: Exiting with failure status due to previous errors\n');
  output.stdout.push(Buffer.concat(chunks));
  return output;
}

function ps(_args: string[], context: Context): Output {
  const rows = visibleProcesses(context).map((p) => `${String(p.pid).padStart(5)} ${String(p.ppid).padStart(5)} ${p.args.join(' ')}\n`);
  return { stdout: [Buffer.from(`  PID  PPID CMD\n${rows.join('')}`)], stderr: [], exitCode: 0 };
}

/** `readlink PATH` (busybox and coreutils alike print the target and a newline). */
function readlink(args: string[], context: Context): Output {
  const output: Output = { stdout: [], stderr: [], exitCode: 0 };
  for (const path of args.filter((arg) => !arg.startsWith('-'))) {
    const target = readProcLink(normalize(path), procViews(context));
    if (target !== undefined) output.stdout.push(Buffer.from(`${target}\n`));
    else output.exitCode = 1;
  }
  return output;
}
