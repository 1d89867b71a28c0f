import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { freePort } from '../util/free-port';
import { allSearchAttributeKeys } from '../workflows/search-attributes';

/**
 * The Temporal dev server from the installed CLI, with a persistent database file, on loopback,
 * with the case search attributes. Stopping and starting it again keeps every workflow.
 */
export interface DevServer {
  address: string;
  uiUrl: string;
  /** Where the dev server's HTTP API listens: every request there is refused (see below). */
  httpApiUrl: string;
  /** The server's process (the bench reads its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const typeNames: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime' };

/**
 * The dev server's HTTP API takes a cross-origin `text/plain` POST from any page the user's
 * browser opens, and would signal a case as if from an approver; no flag turns it off, so it
 * admits no Host at all (a name under .invalid never resolves). Workers, the CLI and the web UI
 * speak gRPC and are not affected.
 */
const noHttpApiHost = 'frontend.httpAllowedHosts=["http-api-off.invalid"]';

export async function startDevServer(options: { cliPath: string; dbFile: string; port: number; uiPort: number; httpPort?: number; log?: (line: string) => void }): Promise<DevServer> {
  const httpPort = options.httpPort ?? (await freePort());
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--db-filename', options.dbFile,
    '--namespace', 'default',
    '--log-level', 'warn',
    '--http-port', String(httpPort),
    '--dynamic-config-value', noHttpApiHost,
    ...allSearchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=${typeNames[key.type]}`]),
  ];
  const child: ChildProcess = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output.push(text);
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${options.port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 250))]);
    if (early !== 'running') throw new Error(`the Temporal dev server exited (code ${early}): ${output.join('').trim().slice(-2000)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`the Temporal dev server did not answer on ${address} within 60 s: ${output.join('').trim().slice(-2000)}`);
      }
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    httpApiUrl: `http://127.0.0.1:${httpPort}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
