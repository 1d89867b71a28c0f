import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { connectToCluster, parseClusterName, type ClusterAccessDeps } from './cluster-access';
import { PermanentCloudError } from './errors';

/** Which credentials a cluster gets; the whole path against real API servers is test/kube/two-clusters.test.ts. */

const cluster = { project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' };
const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

function deps(address: Partial<Awaited<ReturnType<ClusterAccessDeps['controlPlane']>>> = {}, tokens = ['token-1']): ClusterAccessDeps & { asked: number } {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    controlPlane: async () => ({ endpoint: '34.1.2.3', caCertificate: ca, ...address }),
    accessToken: async () => tokens[Math.min(asked++, tokens.length - 1)]!,
  };
}

const serverOf = (config: KubeConfig) => config.getCurrentCluster()?.server;

test('the GKE API endpoint the configuration names: public IP with the cluster CA, private IP, or the DNS endpoint with public roots', async () => {
  const address = { endpoint: '34.1.2.3', privateEndpoint: '10.0.0.2', dnsEndpoint: 'gke-abc123.us-central1.gke.goog', caCertificate: ca };
  const publicIp = await connectToCluster(cluster, {}, deps(address));
  expect([serverOf(publicIp.config), publicIp.config.getCurrentCluster()?.caData]).toEqual(['https://34.1.2.3', ca]);
  expect(publicIp.via).toBe('GKE API (public endpoint 34.1.2.3) with Application Default Credentials');
  expect(serverOf((await connectToCluster(cluster, { endpoint: 'private' }, deps(address))).config)).toBe('https://10.0.0.2');
  const dns = await connectToCluster(cluster, { endpoint: 'dns' }, deps(address));
  expect([serverOf(dns.config), dns.config.getCurrentCluster()?.caData]).toEqual(['https://gke-abc123.us-central1.gke.goog', undefined]);
  await expect(connectToCluster(cluster, { endpoint: 'dns' }, deps({ endpoint: '34.1.2.3' }))).rejects.toThrow('the GKE API gives this cluster no dns endpoint');
});

test('an endpoint that is not a host, or a missing CA, is refused before any connection', async () => {
  for (const endpoint of ['evil.example/path', 'user@host', 'host:80/x', 'https://34.1.2.3', '']) {
    await expect(connectToCluster(cluster, {}, deps({ endpoint }))).rejects.toThrow(PermanentCloudError);
  }
  await expect(connectToCluster(cluster, {}, deps({ caCertificate: undefined }))).rejects.toThrow('no CA certificate');
});

test('each request carries a fresh access token from the credentials, never one frozen at connect time', async () => {
  const source = deps({}, ['token-1', 'token-2']);
  const { config } = await connectToCluster(cluster, {}, source);
  const first: { headers?: Record<string, string> } = {};
  const second: { headers?: Record<string, string> } = {};
  await config.applyToHTTPSOptions(first as never);
  await config.applyToHTTPSOptions(second as never);
  expect([first.headers?.Authorization, second.headers?.Authorization]).toEqual(['Bearer token-1', 'Bearer token-2']);
});

test('a kubeconfig context for the cluster comes first; in-cluster credentials only for the declared own cluster', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scc-kubeconfig-'));
  const path = join(dir, 'config');
  writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: 'https://onprem.example:6443' } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'gke_acme-payments-prod_us-central1_payments-prod', context: { cluster: 'c', user: 'u' } }], 'current-context': '' }));
  const viaKubeconfig = await connectToCluster(cluster, { kubeconfigPath: path }, deps());
  expect([viaKubeconfig.via, serverOf(viaKubeconfig.config)]).toEqual(['kubeconfig context gke_acme-payments-prod_us-central1_payments-prod', 'https://onprem.example:6443']);

  const pod = new KubeConfig();
  pod.loadFromClusterAndUser({ name: 'in-cluster', server: 'https://10.96.0.1:443', skipTLSVerify: false }, { name: 'sa' });
  const withPod = { ...deps(), inCluster: () => pod };
  expect((await connectToCluster(cluster, { ownCluster: cluster }, withPod)).via).toBe('in-cluster service account (the worker’s own cluster)');
  const other = { ...cluster, name: 'payments-dr' };
  expect((await connectToCluster(other, { ownCluster: cluster }, withPod)).via).toMatch(/^GKE API/);
  await expect(connectToCluster(other, { ownCluster: cluster, gkeApi: false }, withPod)).rejects.toThrow("no credentials for this cluster (no kubeconfig; not the worker's own cluster gke_acme-payments-prod_us-central1_payments-prod; the GKE API is off)");
});

test('cluster names as SCC and the GKE API write them', () => {
  expect(parseClusterName('projects/acme-sec/locations/us-central1/clusters/tools')).toEqual({ project: 'acme-sec', location: 'us-central1', name: 'tools' });
  expect(parseClusterName('projects/acme-sec/zones/us-central1-a/clusters/tools')).toEqual({ project: 'acme-sec', location: 'us-central1-a', name: 'tools' });
  expect(parseClusterName('projects/../locations/x/clusters/y')).toBeUndefined();
});
