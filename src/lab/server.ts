import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Faults, type LabApi } from './faults';
import { IamApi } from './iam-api';
import { SlackApi } from './slack-api';
import { GkeApi } from './gke-api';
import { HttpError, Router, googleError, json, type LabRequest, type LabResponse } from './http';
import { KubeCluster } from './kube-cluster';
import { handleKube, kubeFault, kubeStatus } from './kube-api';
import { handleExecUpgrade } from './kube-exec';
import { KubeError } from './kube-store';
import { clusterPath, kubeconfigFor } from './kubeconfig';
import { LoggingApi } from './logging-api';
import { RunApi } from './run-api';
import { GcsApi } from './gcs-api';
import { operationOf } from './operations';
import { ResourceManagerApi } from './resource-manager-api';
import { SccApi } from './scc-api';
import { faultRuleSchema, loadScenario, type Scenario } from './scenario';
import { VirusTotalApi, VirusTotalQuota, virusTotalError } from './virustotal-api';

export interface LabOptions {
  scenario?: Scenario;
  /** Loopback only: the lab is a rehearsal ground, never a service. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  port?: number;
  /** Where the kubeconfig is written; a temporary folder when absent. */
  dataDir?: string;
  token?: string;
  virusTotalKey?: string;
  /** VirusTotal's per-minute quota for the lab's key (requests are counted either way). */
  virusTotalPerMinute?: number;
}

export interface Lab {
  url: string;
  /** Where the socket is bound (loopback only). */
  address: AddressInfo;
  port: number;
  token: string;
  virusTotalKey: string;
  /** Every VirusTotal request the key made, by the minute; set `perMinute` to enforce a quota. */
  virusTotalQuota: VirusTotalQuota;
  kubeconfigPath: string;
  scenario: Scenario;
  faults: Faults;
  clusters: Map<string, KubeCluster>;
  scc: SccApi;
  /** Evidence buckets' objects. */
  gcs: GcsApi;
  /** Google service accounts and their IAM policies. */
  iam: IamApi;
  /** A Slack workspace with the app installed: its Web API, and its side of a click. */
  slack: SlackApi;
  /** Requests received per API (including those a fault answered). */
  calls: Record<LabApi, number>;
  /** Requests received per operation, as `API operation` (`kubernetes get pods`, `gke clusters.get`): what faults can target. */
  operations: Record<string, number>;
  stop(): Promise<void>;
}

const apis: LabApi[] = ['scc', 'resourcemanager', 'logging', 'gke', 'kubernetes', 'run', 'iam', 'virustotal', 'storage'];

function apiOf(path: string): LabApi | undefined {
  if (path.startsWith('/k8s/')) return 'kubernetes';
  if (path.startsWith('/api/v3/')) return 'virustotal';
  if (path.startsWith('/storage/v1/') || path.startsWith('/upload/storage/v1/')) return 'storage';
  if (path === '/v2/entries:list') return 'logging';
  if (/^\/v1\/projects\/[^/]+\/(locations|zones)\/[^/]+\/clusters\//.test(path)) return 'gke';
  if (/^\/v2\/projects\/[^/]+\/locations\/[^/]+\/(services|operations)\b/.test(path)) return 'run';
  if (/^\/v2\/(organizations|folders|projects)\/[^/]+\/sources\//.test(path)) return 'scc';
  if (/^\/v3\/projects\/[^/]+$/.test(path)) return 'resourcemanager';
  if (/^\/v1\/projects\/[^/]+\/serviceAccounts\//.test(path)) return 'iam';
  return undefined;
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const scenario = options.scenario ?? loadScenario();
  const token = options.token ?? `lab-${randomBytes(16).toString('hex')}`;
  const virusTotalKey = options.virusTotalKey ?? `vt-lab-${randomBytes(8).toString('hex')}`;
  const faults = new Faults(scenario.faults);
  const calls = Object.fromEntries(apis.map((api) => [api, 0])) as Record<LabApi, number>;
  const operations: Record<string, number> = {};
  const count = (api: LabApi, operation: string) => {
    calls[api]++;
    operations[`${api} ${operation}`] = (operations[`${api} ${operation}`] ?? 0) + 1;
  };
  const clusters = new Map(scenario.clusters.filter((cluster) => !cluster.controlPlane).map((cluster) => [clusterPath(cluster), new KubeCluster(cluster)]));
  const scc = new SccApi(scenario);
  let baseUrl = '';

  const router = new Router();
  scc.routes(router);
  new LoggingApi(scenario).routes(router);
  new GkeApi(scenario.clusters, (cluster) => `${baseUrl}${clusterPath(cluster)}`).routes(router);
  new RunApi(scenario).routes(router);
  new ResourceManagerApi(scenario).routes(router);
  const gcs = new GcsApi();
  gcs.routes(router);
  const virusTotalQuota = new VirusTotalQuota(options.virusTotalPerMinute);
  new VirusTotalApi(scenario, virusTotalKey, virusTotalQuota).routes(router);
  const iam = new IamApi(scenario);
  iam.routes(router);
  const slack = new SlackApi(() => baseUrl);
  slack.routes(router);
  router.on('GET', /^\/lab\/calls$/, () => json(200, calls));
  router.on('GET', /^\/lab\/operations$/, () => json(200, operations));
  router.on('GET', /^\/lab\/faults$/, () => json(200, faults.list()));
  router.on('GET', /^\/lab\/faults\/served$/, () => json(200, faults.served()));
  router.on('PUT', /^\/lab\/faults$/, (request) => {
    const parsed = faultRuleSchema.array().safeParse(JSON.parse(request.body.toString('utf8') || '[]'));
    if (!parsed.success) return json(400, { error: parsed.error.issues[0]?.message ?? 'invalid fault rules' });
    faults.set(parsed.data);
    return json(200, faults.list());
  });
  router.on('GET', /^\/lab\/mutations$/, () =>
    json(200, Object.fromEntries([...clusters].map(([path, cluster]) => [path, cluster.store.mutations]))),
  );

  // kubectl (client-go) sends no bearer token over plain HTTP, so the Kubernetes API acts as an
  // insecure port on loopback would: anonymous requests pass, a wrong token is refused.
  const authorized = (request: IncomingMessage, api: LabApi | undefined) =>
    api === 'virustotal' ||
    // Slack checks its own bot token, and answers as Slack does (200, ok: false).
    (request.url ?? '').startsWith('/slack/') ||
    request.headers.authorization === `Bearer ${token}` ||
    (api === 'kubernetes' && request.headers.authorization === undefined);

  const server: Server = createServer((request, response) => {
    void serve(request, response).catch((error: unknown) => {
      send(response, json(500, { error: { code: 500, message: String(error), status: 'INTERNAL' } }));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://lab');
    const path = url.pathname;
    if (path === '/lab/health') return send(response, json(200, { status: 'ok', scenario: scenario.name }));
    const api = apiOf(path);
    const body = await readBody(request);
    if (!authorized(request, api)) {
      return send(response, api === 'kubernetes' ? kubeStatus(new KubeError(401, 'Unauthorized', 'Unauthorized')) : googleError(401, 'Request is missing required authentication credential.'));
    }
    const labRequest: LabRequest = { method: request.method ?? 'GET', path, query: url.searchParams, headers: request.headers, body };
    if (api) {
      const operation = operationOf(api, labRequest.method, path, url.searchParams);
      count(api, operation);
      const fault = faults.decide({ api, operation, text: `${path}?${url.searchParams.toString()}\n${body.toString('utf8')}` });
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.hangMs) {
        await sleep(fault.hangMs);
        return send(response, faultResponse(api, 503, path));
      }
      if (fault.malformed) return send(response, { status: 200, body: Buffer.from('{"kind":"lab fault injection: this answer is cut off') });
      if (fault.status) return send(response, faultResponse(api, fault.status, path));
    }
    if (api === 'kubernetes') {
      const match = /^(\/k8s\/[^/]+\/[^/]+\/[^/]+)(\/.*)?$/.exec(path);
      const cluster = match ? clusters.get(match[1]!) : undefined;
      if (!cluster) return send(response, kubeStatus(new KubeError(404, 'NotFound', `no lab cluster at ${path}`)));
      return send(response, handleKube(cluster, labRequest, match![2] ?? '/'));
    }
    const route = router.match(labRequest.method, path);
    if (!route) return send(response, googleError(404, `The lab does not serve ${labRequest.method} ${path}`));
    try {
      send(response, await route.handler(labRequest, route.params));
    } catch (error) {
      if (error instanceof HttpError) return send(response, error.response);
      throw error;
    }
  }

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://lab');
    const match = /^(\/k8s\/[^/]+\/[^/]+\/[^/]+)\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const cluster = match ? clusters.get(match[1]!) : undefined;
    const refuse = (response: LabResponse) => {
      const text = JSON.stringify(response.body);
      socket.end(`HTTP/1.1 ${response.status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    if (!authorized(request, 'kubernetes')) return refuse(kubeStatus(new KubeError(401, 'Unauthorized', 'Unauthorized')));
    if (!match || !cluster) return refuse(kubeStatus(new KubeError(404, 'NotFound', 'the server could not find the requested resource')));
    count('kubernetes', 'create pods/exec');
    // Exec over WebSockets is a GET, authorized as "get" on pods/exec, and then also as "create"
    // (as kubectl exec over SPDY always was): a real API server refuses it without both.
    cluster.access.add('get /pods/exec');
    cluster.access.add('create /pods/exec');
    const fault = faults.decide({ api: 'kubernetes', operation: 'create pods/exec', text: `${url.pathname}?${url.searchParams.toString()}` });
    if (fault.malformed) return socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"kind":"lab fault injection: this answer is cut off');
    if (fault.hangMs) return void setTimeout(() => refuse(kubeFault(503, url.pathname)), fault.hangMs);
    if (fault.status) return refuse(kubeFault(fault.status, url.pathname));
    const go = () => handleExecUpgrade(cluster, { namespace: decodeURIComponent(match[2]!), pod: decodeURIComponent(match[3]!) }, url.searchParams, request, socket, head);
    if (fault.latencyMs > 0) setTimeout(go, fault.latencyMs);
    else go();
  });

  // Clients reuse connections for up to a minute (gaxios, the Kubernetes client); a server that
  // closes idle ones first races them into "socket hang up" under load, as Google's front ends do not.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const { port } = address;
  const host = options.host ?? '127.0.0.1';
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const dataDir = options.dataDir ?? join(tmpdir(), `scc-responder-lab-${port}`);
  mkdirSync(dataDir, { recursive: true });
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigFor(scenario.clusters.filter((cluster) => !cluster.controlPlane), baseUrl, token), { mode: 0o600 });

  return {
    url: baseUrl,
    address,
    port,
    token,
    virusTotalKey,
    virusTotalQuota,
    kubeconfigPath,
    scenario,
    faults,
    clusters,
    scc,
    gcs,
    iam,
    slack,
    calls,
    operations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function faultResponse(api: LabApi, status: 403 | 404 | 429 | 500 | 503, path: string): LabResponse {
  if (api === 'kubernetes') return kubeFault(status, path);
  if (api === 'virustotal') {
    const codes = { 403: 'ForbiddenError', 404: 'NotFoundError', 429: 'QuotaExceededError', 500: 'InternalError', 503: 'TransientError' } as const;
    return virusTotalError(status, codes[status], `lab fault injection: ${status}`);
  }
  const messages = {
    403: 'The caller does not have permission',
    404: 'Requested entity was not found.',
    429: 'Quota exceeded (lab fault injection).',
    500: 'Internal error encountered (lab fault injection).',
    503: 'The service is currently unavailable (lab fault injection).',
  } as const;
  return googleError(status, messages[status]);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, result: LabResponse): void {
  // Bytes go out as they are (an object download); everything else is JSON.
  const payload = Buffer.isBuffer(result.body) ? result.body : Buffer.from(result.body === undefined ? '' : JSON.stringify(result.body));
  response.writeHead(result.status, { 'Content-Type': 'application/json', 'Content-Length': payload.length, ...result.headers });
  response.end(payload);
}
