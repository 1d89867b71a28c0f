import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort } from '../free-port';

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC authorization, static
 * bearer tokens, an audit log), kube-controller-manager (the ReplicaSet, Deployment, StatefulSet,
 * DaemonSet, Job, garbage-collector and service-account controllers), kube-scheduler and kwok, which plays the nodes' kubelets:
 * it keeps nodes Ready and marks scheduled pods Running. No containers run, so exec and file
 * contents stay the lab's.
 *
 * The binaries come from scripts/kube-control-plane.sh (built once per machine from the Go
 * module proxy, or envtest's KUBEBUILDER_ASSETS). Each test file that needs one starts its own:
 * RBAC edits and cordons are cluster-wide, so sharing one would couple files.
 */

export interface TokenIdentity {
  token: string;
  user: string;
  groups?: string[];
}

export interface ControlPlane {
  /** `127.0.0.1:PORT`, as the GKE API's `endpoint` gives it. */
  endpoint: string;
  server: string;
  /** The serving certificate's CA, base64 PEM (as `masterAuth.clusterCaCertificate`). */
  caCertificate: string;
  /** A cluster-admin (system:masters) client, for the test's own setup and checks. */
  admin: KubeConfig;
  adminToken: string;
  /** A client for any identity in the token file. */
  configFor(token: string): KubeConfig;
  /** Every request the API server audited, as `user verb resource` entries. */
  audit(): AuditEntry[];
  /** The last lines each process wrote: for a failure's message. */
  logs(): string;
  stop(): Promise<void>;
}

export interface AuditEntry {
  user: string;
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  code?: number;
}

export function kubeAssets(): string {
  const fromEnv = process.env.SCC_KUBE_ASSETS;
  if (fromEnv && existsSync(join(fromEnv, 'kube-apiserver'))) return fromEnv;
  const script = join(__dirname, '../../scripts/kube-control-plane.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export async function startControlPlane(options: { identities?: TokenIdentity[]; name?: string } = {}): Promise<ControlPlane> {
  const assets = kubeAssets();
  const dir = mkdtempSync(join(tmpdir(), `scc-kube-${options.name ?? 'cluster'}-`));
  const children: ChildProcess[] = [];
  const logs = new Map<string, string>();
  const start = (name: string, args: string[]) => {
    const child = spawn(join(assets, name), args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
      logs.set(name, log);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        continue;
      }
      const killed = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(killed);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    start('etcd', [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=error',
    ]);

    const adminToken = randomBytes(24).toString('hex');
    const identities = [{ token: adminToken, user: 'test-admin', groups: ['system:masters'] }, ...(options.identities ?? [])];
    writeFileSync(join(dir, 'tokens.csv'), identities.map((i, n) => `${i.token},${i.user},uid-${n},"${(i.groups ?? []).join(',')}"`).join('\n') + '\n');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'audit-policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n');
    start('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${join(dir, 'audit.log')}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
      '--v=0',
    ]);
    const server = `https://127.0.0.1:${apiPort}`;
    const certFile = join(dir, 'certs', 'apiserver.crt');
    // The generated file holds the serving certificate, then the self-signed CA that issued it; it exists before it is whole.
    const certificatesIn = () => (existsSync(certFile) ? readFileSync(certFile, 'utf8') : '').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    await waitFor(() => certificatesIn().length >= 2, 60_000, 'the API server to write its serving certificate and its CA', children);
    const certificates = certificatesIn();
    const ca = certificates[certificates.length - 1]!;
    const caCertificate = Buffer.from(ca).toString('base64');
    const configFor = (token: string) => {
      const config = new KubeConfig();
      config.loadFromClusterAndUser({ name: options.name ?? 'test', server, caData: caCertificate, skipTLSVerify: false }, { name: 'user', token });
      return config;
    };
    const admin = configFor(adminToken);
    writeFileSync(join(dir, 'admin.kubeconfig'), admin.exportConfig());
    await waitFor(async () => (await fetchReady(server, ca, adminToken)) === 'ok', 60_000, 'the API server to be ready', children);

    start('kube-controller-manager', [
      `--kubeconfig=${join(dir, 'admin.kubeconfig')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--controllers=replicaset,deployment,statefulset,daemonset,job,garbagecollector,serviceaccount,serviceaccount-token,namespace,nodelifecycle',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
      '--concurrent-replicaset-syncs=2',
      '--v=0',
    ]);
    start('kube-scheduler', [`--kubeconfig=${join(dir, 'admin.kubeconfig')}`, '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=0']);
    start('kwok', [`--kubeconfig=${join(dir, 'admin.kubeconfig')}`, '--manage-all-nodes=true', `--config=${join(__dirname, 'kwok-stages.yaml')}`, '--node-lease-duration-seconds=40', '--v=ERROR']);

    return {
      endpoint: `127.0.0.1:${apiPort}`,
      server,
      caCertificate,
      admin,
      adminToken,
      configFor,
      audit: () => readAudit(join(dir, 'audit.log')),
      logs: () => [...logs].map(([name, log]) => `--- ${name}\n${log.slice(-3000)}`).join('\n'),
      stop,
    };
  } catch (error) {
    const detail = [...logs].map(([name, log]) => `--- ${name}\n${log.slice(-3000)}`).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${detail}`, { cause: error });
  }
}

async function fetchReady(server: string, ca: string, token: string): Promise<string | undefined> {
  const { request } = await import('node:https');
  return new Promise((resolve) => {
    const req = request(`${server}/readyz`, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(response.statusCode === 200 ? body.trim() : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    const gone = children.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (gone) throw new Error(`${gone.spawnfile} exited (${gone.exitCode ?? gone.signalCode}) while waiting for ${what}`);
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function readAudit(path: string): AuditEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { user?: { username?: string }; verb?: string; objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string }; responseStatus?: { code?: number } })
    .map((event) => ({
      user: event.user?.username ?? '',
      verb: event.verb ?? '',
      resource: [event.objectRef?.resource, event.objectRef?.subresource].filter(Boolean).join('/'),
      ...(event.objectRef?.namespace ? { namespace: event.objectRef.namespace } : {}),
      ...(event.objectRef?.name ? { name: event.objectRef.name } : {}),
      ...(event.responseStatus?.code ? { code: event.responseStatus.code } : {}),
    }));
}
