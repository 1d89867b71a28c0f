import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from '../src/cases/database';
import { main } from '../src/cli/main';
import type { CliIo } from '../src/cli/finding-check';
import { approvers, type CaseRig } from './case-rig';
import { startRigConsole } from './console-harness';

const binary = join(__dirname, '../bin/scc-responder.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The lab users the CLI decides as (`--user`): the rig's approvers and one who is not. */
export const labUsers = [approvers.secops, approvers.lead, 'mallory@evil.example'];
export const labPassword = 'a lab password for the CLI tests';

/**
 * The command line against a rig, as a user runs it in another terminal: a config file naming the
 * rig's Temporal and task queue, its embedded store served over a port, and the console through
 * which it decides (as a lab user, the password in SCC_CONSOLE_PASSWORD).
 */
export async function cliOnRig(rig: CaseRig): Promise<{ cli(...args: string[]): Promise<CliRun>; process(...args: string[]): Promise<CliRun>; stop(): Promise<void> }> {
  const socket = new PGLiteSocketServer({ db: (rig.store.db as EmbeddedDatabase).pglite, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await socket.start();
  const console = await startRigConsole(rig, labUsers, labPassword);
  const dir = mkdtempSync(join(tmpdir(), 'scc-cli-config-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      dataDir: dir,
      temporal: { address: rig.env.address, namespace: 'default', taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix },
      databaseUrl: `postgres://postgres@${socket.getServerConn()}/postgres`,
      policy: rig.policy,
      notifications: { consoleUrl: console.url },
      decisionAuthority: { keys: [{ publicKey: rig.authority.key.publicKey }] },
    }),
  );
  const previousConfig = process.env.SCC_CONFIG;
  const previousPassword = process.env.SCC_CONSOLE_PASSWORD;
  process.env.SCC_CONFIG = join(dir, 'config.json');
  process.env.SCC_CONSOLE_PASSWORD = labPassword;
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
        execFile(process.execPath, [binary, ...args], { env: { ...process.env, SCC_CONFIG: join(dir, 'config.json'), SCC_CONSOLE_PASSWORD: labPassword }, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
    async stop() {
      if (previousConfig === undefined) delete process.env.SCC_CONFIG;
      else process.env.SCC_CONFIG = previousConfig;
      if (previousPassword === undefined) delete process.env.SCC_CONSOLE_PASSWORD;
      else process.env.SCC_CONSOLE_PASSWORD = previousPassword;
      await console.close();
      await socket.stop();
    },
  };
}
