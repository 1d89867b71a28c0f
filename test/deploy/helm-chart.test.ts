import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/config';
import { startControlPlane, type ControlPlane } from '../kube/control-plane';

/**
 * deploy/helm/scc-responder: linted, rendered for the default and the ci/ values files, and every
 * rendered object applied to a real kube-apiserver with a server-side, strictly validated dry run.
 * What the chart sets in the environment is what the processes read: the rendered worker's
 * environment and configuration file load without an error and say what the values said.
 */

const root = join(__dirname, '../..');
const chart = join(root, 'deploy/helm/scc-responder');
const valuesFiles = { production: join(chart, 'ci/production-values.yaml'), selfHostedMtls: join(chart, 'ci/self-hosted-mtls-values.yaml') };

function helmBinary(): string {
  if (process.env.SCC_HELM) return process.env.SCC_HELM;
  return execFileSync('bash', [join(root, 'scripts/helm.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}
const helm = helmBinary();

function run(...args: string[]) {
  const result = spawnSync(helm, args, { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Container {
  name: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  resources: { requests?: object; limits?: object };
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec { serviceAccountName: string; containers: Container[]; volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[] }

const namespace = 'secops';

function render(...valueArgs: string[]): K8sObject[] {
  const result = run('template', 'scc', chart, '--namespace', namespace, ...valueArgs);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as K8sObject | null).filter((d): d is K8sObject => d !== null);
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const podSpec = (deployment: K8sObject | undefined) => (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const envOf = (c: Container) => Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));

test('helm lint passes for the default values and each ci/ values file', () => {
  for (const args of [[], ['-f', valuesFiles.production], ['-f', valuesFiles.selfHostedMtls]]) {
    const result = run('lint', chart, '--strict', ...args);
    expect({ args, code: result.code, out: result.stdout.includes('[ERROR]') ? result.stdout : '' }).toEqual({ args, code: 0, out: '' });
  }
});

test('the default render: worker and console, their Service, the service account, RBAC from deploy/kubernetes/rbac.yaml, budgets, probes and limits', () => {
  const objects = render();
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ClusterRole/scc-scc-responder',
    'ClusterRoleBinding/scc-scc-responder',
    'ConfigMap/scc-scc-responder',
    'Deployment/scc-scc-responder-console',
    'Deployment/scc-scc-responder-worker',
    'PodDisruptionBudget/scc-scc-responder-console',
    'PodDisruptionBudget/scc-scc-responder-worker',
    'Service/scc-scc-responder-console',
    'ServiceAccount/scc-scc-responder',
  ]);
  // One source: the chart's rules are the manifest's rules, every one of them.
  const manifest = parseAllDocuments(readFileSync(join(root, 'deploy/kubernetes/rbac.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject & { rules?: unknown[] });
  expect((find(objects, 'ClusterRole', 'scc-scc-responder') as unknown as { rules: unknown[] }).rules).toEqual(manifest.find((d) => d.kind === 'ClusterRole')!.rules);
  expect((find(objects, 'ClusterRoleBinding', 'scc-scc-responder') as unknown as { subjects: unknown[] }).subjects).toEqual([{ kind: 'ServiceAccount', name: 'scc-scc-responder', namespace }]);

  for (const name of ['scc-scc-responder-worker', 'scc-scc-responder-console']) {
    const spec = podSpec(find(objects, 'Deployment', name));
    expect(spec.serviceAccountName).toBe('scc-scc-responder');
    const [container] = spec.containers;
    expect(container!.readinessProbe).toBeDefined();
    expect(container!.livenessProbe).toBeDefined();
    expect(container!.resources.requests).toBeDefined();
    expect(container!.resources.limits).toBeDefined();
    expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // Safe until told otherwise: dry-run on.
    expect(envOf(container!).SCC_DRY_RUN).toBe('true');
  }
  expect((find(objects, 'ServiceAccount', 'scc-scc-responder')!.metadata.annotations ?? {})['iam.gke.io/gcp-service-account']).toBeUndefined();
});

test('the production values: Workload Identity from values, Temporal Cloud’s API key and the case store from Secrets, the Pub/Sub intake', () => {
  const objects = render('-f', valuesFiles.production);
  expect(find(objects, 'ServiceAccount', 'scc-scc-responder')!.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'scc-responder@acme-secops.iam.gserviceaccount.com' });
  const worker = podSpec(find(objects, 'Deployment', 'scc-scc-responder-worker')).containers[0]!;
  const env = envOf(worker);
  expect(env).toMatchObject({
    TEMPORAL_ADDRESS: 'us-central1.gcp.api.temporal.io:7233',
    TEMPORAL_NAMESPACE: 'scc-responder.a1b2c',
    TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-cloud-api-key', key: 'api-key' } },
    DATABASE_URL: { secretKeyRef: { name: 'scc-case-store', key: 'url' } },
    VIRUSTOTAL_API_KEY: { secretKeyRef: { name: 'virustotal', key: 'api-key' } },
    SCC_OWN_CLUSTER: 'projects/acme-secops/locations/us-central1/clusters/secops',
    SCC_DRY_RUN: 'false',
  });
  expect(Object.keys(env).filter((name) => /^TEMPORAL_TLS_(CERT|KEY|CA)$/.test(name))).toEqual([]);
  expect((find(objects, 'Deployment', 'scc-scc-responder-worker') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
  const intake = podSpec(find(objects, 'Deployment', 'scc-scc-responder-intake')).containers[0]!;
  expect(intake.args).toEqual(['intake', 'pubsub', '--subscription', 'projects/acme-secops/subscriptions/scc-container-threats']);
  const console = podSpec(find(objects, 'Deployment', 'scc-scc-responder-console'));
  expect(envOf(console.containers[0]!)).toMatchObject({ SCC_DECISION_SIGNING_KEY_FILE: '/etc/scc-responder/decision-key/decision-signing-key.pem' });
  expect(console.volumes.find((v) => v.name === 'decision-key')!.secret!.secretName).toBe('scc-decision-signing-key');
});

test('what the chart sets is what the processes read: each one’s environment and configuration file load, and say what the values said', () => {
  const objects = render('-f', valuesFiles.production);
  const dir = mkdtempSync(join(tmpdir(), 'scc-chart-config-'));
  const configMap = find(objects, 'ConfigMap', 'scc-scc-responder') as unknown as { data: { 'config.json': string } };
  writeFileSync(join(dir, 'config.json'), configMap.data['config.json']);
  const secrets: Record<string, string> = { 'temporal-cloud-api-key': 'an-api-key', 'scc-case-store': 'postgres://scc@10.0.0.5:5432/scc', virustotal: 'a-vt-key', 'scc-slack-app': 'xoxb-1234-5678-abcdef' };
  const configOf = (component: string) => {
    const container = podSpec(find(objects, 'Deployment', `scc-scc-responder-${component}`)).containers[0]!;
    const env: NodeJS.ProcessEnv = { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') };
    for (const entry of container.env) env[entry.name] = entry.value ?? secrets[entry.valueFrom!.secretKeyRef.name];
    // The file and the data folder are where the chart mounts them; here, in the test's folder.
    expect([env.SCC_CONFIG, env.SCC_DATA_DIR]).toEqual(['/etc/scc-responder/config/config.json', '/var/lib/scc-responder']);
    return loadConfig({ ...env, SCC_CONFIG: join(dir, 'config.json'), SCC_DATA_DIR: dir });
  };
  for (const component of ['worker', 'console', 'intake']) {
    const config = configOf(component);
    expect(config.temporal).toMatchObject({ address: 'us-central1.gcp.api.temporal.io:7233', namespace: 'scc-responder.a1b2c', apiKey: 'an-api-key', taskQueue: 'scc-responder' });
    expect(config.databaseUrl).toBe('postgres://scc@10.0.0.5:5432/scc');
    expect(config.policy).toMatchObject({ approvers: ['@acme.example'], dryRun: false });
    expect(config.decisionAuthority.keys).toHaveLength(1);
    expect(config.server).toMatchObject({ auth: { mode: 'iap', audience: '/projects/123456789012/global/backendServices/4567890123456789012' }, viewers: ['@acme.example'] });
    // The Slack app: its secrets from the Secret, its channel and workspace from the file.
    expect(config.notifications.slackApp).toMatchObject({ botToken: 'xoxb-1234-5678-abcdef', channel: 'C0SECOPS01', teamId: 'T0ACME0001' });
  }
  expect(configOf('worker').notifications).toMatchObject({ consoleUrl: 'https://scc.acme.example/', defaultRecipients: ['secops@acme.example'] });
  expect(configOf('worker').metricsAddress).toBe('0.0.0.0:9464');
  expect(configOf('console').server).toMatchObject({ address: '0.0.0.0:8090' });

  // mTLS from a mounted Secret: the paths are inside the mount the chart makes.
  const mtls = podSpec(find(render('-f', valuesFiles.selfHostedMtls), 'Deployment', 'scc-scc-responder-worker'));
  const tlsEnv = envOf(mtls.containers[0]!);
  const mount = mtls.containers[0]!.volumeMounts.find((m) => m.name === 'temporal-tls')!.mountPath;
  expect(tlsEnv).toMatchObject({ TEMPORAL_TLS_CLIENT_CERT_PATH: `${mount}/tls.crt`, TEMPORAL_TLS_CLIENT_KEY_PATH: `${mount}/tls.key`, TEMPORAL_TLS_SERVER_CA_CERT_PATH: `${mount}/ca.crt`, TEMPORAL_TLS_SERVER_NAME: 'temporal-frontend.temporal.svc' });
  expect(mtls.volumes.find((v) => v.name === 'temporal-tls')!.secret!.secretName).toBe('temporal-client-tls');
});

test('values that cannot work are refused by name: an unknown intake mode, a pull intake without its subscription', () => {
  const bogus = run('template', 'scc', chart, '--set', 'intake.enabled=true', '--set', 'intake.mode=webhook');
  expect(bogus.code).not.toBe(0);
  expect(bogus.stderr).toContain('intake.mode must be pubsub, push or poll, not "webhook"');
  const noSubscription = run('template', 'scc', chart, '--set', 'intake.enabled=true');
  expect(noSubscription.code).not.toBe(0);
  expect(noSubscription.stderr).toContain('intake.pubsub.subscription is required');
});

describe('on a real kube-apiserver', () => {
  let plane: ControlPlane;

  beforeAll(async () => {
    plane = await startControlPlane({ name: 'helm-chart' });
    await apiRequest(plane, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  }, 180_000);

  afterAll(async () => {
    await plane?.stop();
  });

  test.each([
    ['the default values', [] as string[]],
    ['the production values', ['-f', valuesFiles.production]],
    ['the self-hosted mTLS values', ['-f', valuesFiles.selfHostedMtls]],
  ])('every object %s render is accepted by a strict server-side apply dry run', async (_name, args) => {
    const objects = render(...args);
    const refused: string[] = [];
    for (const object of objects) {
      const answer = await apiRequest(plane, 'PATCH', `${collectionPath(object)}/${object.metadata.name}?dryRun=All&fieldManager=scc-chart-test&force=true&fieldValidation=Strict`, object, 'application/apply-patch+yaml');
      if (answer.status !== 200 && answer.status !== 201) refused.push(`${object.kind}/${object.metadata.name}: ${answer.status} ${answer.body.slice(0, 400)}`);
    }
    expect(refused).toEqual([]);
    // A dry run leaves nothing behind.
    const left = await apiRequest(plane, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments`);
    expect((JSON.parse(left.body) as { items: unknown[] }).items).toEqual([]);
  });

  test('the same dry run refuses a misspelled field: the check above can fail', async () => {
    const worker = find(render(), 'Deployment', 'scc-scc-responder-worker')!;
    const container = podSpec(worker).containers[0] as unknown as Record<string, unknown>;
    container.readinesProbe = container.readinessProbe;
    const answer = await apiRequest(plane, 'PATCH', `${collectionPath(worker)}/${worker.metadata.name}?dryRun=All&fieldManager=scc-chart-test&force=true&fieldValidation=Strict`, worker, 'application/apply-patch+yaml');
    // Server-side apply answers a field its schema does not declare with 500 ("field not declared in schema").
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body).toContain('readinesProbe');
  });
});

const collections: Record<string, { group: string; plural: string; namespaced: boolean }> = {
  ConfigMap: { group: '/api/v1', plural: 'configmaps', namespaced: true },
  ServiceAccount: { group: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  Service: { group: '/api/v1', plural: 'services', namespaced: true },
  Deployment: { group: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  PodDisruptionBudget: { group: '/apis/policy/v1', plural: 'poddisruptionbudgets', namespaced: true },
  ClusterRole: { group: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { group: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
};

function collectionPath(object: K8sObject): string {
  const collection = collections[object.kind];
  if (!collection) throw new Error(`the chart renders a ${object.kind}, which this test does not know how to apply`);
  return `${collection.group}${collection.namespaced ? `/namespaces/${object.metadata.namespace ?? namespace}` : ''}/${collection.plural}`;
}

function apiRequest(plane: ControlPlane, method: string, path: string, body?: object, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  const url = new URL(path, plane.server);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: Buffer.from(plane.caCertificate, 'base64'), headers: { authorization: `Bearer ${plane.adminToken}`, accept: 'application/json', ...(body ? { 'content-type': contentType } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
