import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from '../src/cases/database';
import { main } from '../src/cli/main';
import type { CliIo } from '../src/cli/finding-check';
import type { CaseRig } from './case-rig';

const binary = join(__dirname, '../bin/scc-responder.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The command line against a rig, as a user runs it in another terminal: a config file naming the
 * rig's Temporal and task queue, and its embedded store served over a port.
 */
export async function cliOnRig(rig: CaseRig): Promise<{ cli(...args: string[]): Promise<CliRun>; process(...args: string[]): Promise<CliRun>; stop(): Promise<void> }> {
  const socket = new PGLiteSocketServer({ db: (rig.store.db as EmbeddedDatabase).pglite, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await socket.start();
  const dir = mkdtempSync(join(tmpdir(), 'scc-cli-config-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      dataDir: dir,
      temporal: { address: rig.env.address, namespace: 'default', taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix },
      databaseUrl: `postgres://postgres@${socket.getServerConn()}/postgres`,
      policy: rig.policy,
    }),
  );
  const previousConfig = process.env.SCC_CONFIG;
  process.env.SCC_CONFIG = join(dir, 'config.json');
  return {
    async cli(...args) {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => Buffer.alloc(0) };
      const code = await main(args, io);
      return { code, stdout: out.join(''), stderr: err.join('') };
    },
    /** The built binary in a process of its own, as a shell runs it: its exit code is the process's. */
    process(...args) {
      return new Promise((resolve) => {
        execFile(process.execPath, [binary, ...args], { env: { ...process.env, SCC_CONFIG: join(dir, 'config.json') }, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
    async stop() {
      if (previousConfig === undefined) delete process.env.SCC_CONFIG;
      else process.env.SCC_CONFIG = previousConfig;
      await socket.stop();
    },
  };
}
