import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/**
 * The Pub/Sub emulator from the Google Cloud CLI (`gcloud beta emulators pubsub start`), on a
 * free loopback port, in a process group of its own: the CLI starts a JVM that must die with it.
 */
export interface PubSubEmulator {
  host: string;
  stop(): Promise<void>;
}

export async function startPubSubEmulator(timeoutMs = 90_000): Promise<PubSubEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, `--data-dir=${mkdtempSync(join(tmpdir(), 'scc-pubsub-'))}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1' },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Pub/Sub emulator did not start in ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Server started, listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Pub/Sub emulator exited (${code}) before it started:\n${output.slice(-2000)}`));
    });
  });
  return {
    host,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(-child.pid!, 'SIGTERM');
      const killed = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(killed);
    },
  };
}
