import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from './finding-check';
import { main } from './main';
import { buildProgram } from './program';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => Buffer.alloc(0) };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

test('scc-responder lab serves until stopped, writes a kubeconfig, and says how to reach it', async () => {
  const run = capture();
  const dataDir = mkdtempSync(join(tmpdir(), 'scc-lab-cli-'));
  let exitCode = -1;
  let health: unknown;
  const program = buildProgram(run.io, (code) => (exitCode = code), async (lab) => {
    health = await (await fetch(`${lab.url}/lab/health`)).json();
  });
  await program.parseAsync(['lab', '--port', '0', '--data-dir', dataDir], { from: 'user' });
  expect(exitCode).toBe(0);
  expect(health).toEqual({ status: 'ok', scenario: 'default' });
  expect(run.stdout()).toMatch(/^lab "default" serving on http:\/\/127\.0\.0\.1:\d+/);
  expect(JSON.parse(readFileSync(join(dataDir, 'kubeconfig'), 'utf8'))['current-context']).toBe('gke_acme-payments-prod_us-central1_payments-prod');
});

test('a bad port or scenario is a clear error, exit 2, and nothing starts', async () => {
  const run = capture();
  expect(await main(['lab', '--port', 'eighty'], run.io)).toBe(2);
  expect(run.stderr()).toContain('--port must be a port number');
  const bad = join(mkdtempSync(join(tmpdir(), 'scc-lab-cli-')), 'scenario.json');
  writeFileSync(bad, '{"name": 1}');
  const second = capture();
  expect(await main(['lab', '--port', '0', '--scenario', bad], second.io)).toBe(2);
  expect(second.stderr()).toMatch(/invalid scenario .* at name/);
});
