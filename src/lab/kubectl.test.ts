import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLab, type Lab } from './server';

/** Stock kubectl, a client nobody here wrote, against the lab: the proof of the lab's fidelity. */

const run = promisify(execFile);
let lab: Lab;
let kubectl: (...args: string[]) => Promise<{ stdout: string; stderr: string; code: number }>;

beforeAll(async () => {
  lab = await startLab({ port: 0 });
  const cacheDir = mkdtempSync(join(tmpdir(), 'scc-kubectl-cache-'));
  kubectl = async (...args) => {
    try {
      const { stdout, stderr } = await run('kubectl', ['--kubeconfig', lab.kubeconfigPath, '--cache-dir', cacheDir, ...args], { encoding: 'utf8' });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; code?: number | string };
      if (failed.code === 'ENOENT') throw new Error('kubectl is not on PATH: the lab fidelity tests need the stock kubectl', { cause: error });
      return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: Number(failed.code) };
    }
  };
}, 180_000);

afterAll(async () => {
  await lab?.stop();
});

test('kubectl pages through a list with --chunk-size, as against a real API server', async () => {
  const whole = await kubectl('get', 'pods', '-A', '-o', 'name');
  const paged = await kubectl('get', 'pods', '-A', '-o', 'name', '--chunk-size=2', '-v=6');
  expect(paged.code).toBe(0);
  // Three pages: the first asks for two, the next two follow the continue token.
  expect(paged.stderr.match(/GET \S+\/api\/v1\/pods\?\S*limit=2/g)).toHaveLength(3);
  expect(paged.stderr.match(/GET \S+continue=/g)).toHaveLength(2);
  expect(paged.stdout.trim().split('\n')).toHaveLength(6);
  expect(paged.stdout).toBe(whole.stdout);
  const selected = await kubectl('get', 'pods', '-n', 'checkout', '-l', 'app=checkout-api', '-o', 'name', '--chunk-size=1');
  expect(selected.stdout.trim().split('\n')).toEqual(['pod/checkout-api-7d9f8b6c5-lq4zp', 'pod/checkout-api-7d9f8b6c5-x2k8q']);
});

test('kubectl get pods -A lists every pod with its status', async () => {
  const { stdout, code } = await kubectl('get', 'pods', '-A');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
  expect(stdout).toMatch(/checkout\s+checkout-api-7d9f8b6c5-x2k8q\s+1\/1\s+Running\s+0/);
  expect(stdout).toMatch(/checkout\s+nightly-reconcile-5w7tq\s+0\/1\s+Completed/);
  expect(stdout.trim().split('\n')).toHaveLength(7);
});

test('kubectl get nodes', async () => {
  const { stdout, code } = await kubectl('get', 'nodes');
  expect(code).toBe(0);
  expect(stdout).toMatch(/gke-payments-prod-default-pool-3f2a1b7c-9kdw\s+Ready\s+<none>\s+\S+\s+v1\.32\.4-gke/);
});

test('kubectl describe pod shows its owner, node, image and state', async () => {
  const { stdout, code } = await kubectl('describe', 'pod', '-n', 'checkout', 'checkout-api-7d9f8b6c5-x2k8q');
  expect(code).toBe(0);
  expect(stdout).toMatch(/Controlled By:\s+ReplicaSet\/checkout-api-7d9f8b6c5/);
  expect(stdout).toMatch(/Node:\s+gke-payments-prod-default-pool-3f2a1b7c-9kdw/);
  expect(stdout).toMatch(/Image:\s+us-docker\.pkg\.dev\/acme-payments-prod\/apps\/checkout-api:1\.14\.2/);
  expect(stdout).toMatch(/State:\s+Running/);
});

test('kubectl exec -- cat FILE copies real bytes out, and fails as a real cluster does', async () => {
  const source = await kubectl('exec', '-n', 'checkout', 'checkout-api-7d9f8b6c5-x2k8q', '-c', 'api', '--', 'cat', '/tmp/.cache/k.c');
  expect(source).toMatchObject({ code: 0, stdout: '#include <stdio.h>\nint main(void){puts("k");return 0;}\n' });

  const binary = await kubectl('exec', '-n', 'checkout', 'checkout-api-7d9f8b6c5-x2k8q', '--', 'sha256sum', '/usr/bin/gcc-12');
  expect(binary.stdout).toBe('a449646ad6b9ec14647164c366ac87cf4c8e9706be7ce6eb26a2e37b1029a89e  /usr/bin/gcc-12\n');

  const missing = await kubectl('exec', '-n', 'checkout', 'checkout-api-7d9f8b6c5-x2k8q', '--', 'cat', '/nope');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('cat: /nope: No such file or directory');
  expect(missing.stderr).toContain('command terminated with exit code 1');

  const distroless = await kubectl('exec', '-n', 'kube-system', 'node-agent-8xq2v', '--', 'cat', '/agent');
  expect(distroless.code).not.toBe(0);
  expect(distroless.stderr).toContain('executable file not found in $PATH');
});

test('kubectl cp (tar under the hood) brings a binary out whole', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'scc-kubectl-cp-')), 'kworkerd');
  const { code } = await kubectl('cp', 'checkout/checkout-api-7d9f8b6c5-x2k8q:/tmp/.cache/kworkerd', out);
  expect(code).toBe(0);
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(out);
  expect(bytes).toHaveLength(16391);
  expect(createHash('sha256').update(bytes.subarray(0, 4096)).digest('hex')).toBe('e60ea92d751901dbd5426b6a16aa0588eed6f77a7dc4cd05bbc86db39a9ff619');
});
