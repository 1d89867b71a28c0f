import { loadScenario } from './scenario';
import { startLab, type Lab } from './server';

let lab: Lab;

beforeAll(async () => {
  const scenario = loadScenario();
  lab = await startLab({ port: 0, scenario: { ...scenario, faults: [{ api: 'gke', operation: 'clusters.get', pathContains: '/clusters/payments-prod', latencyMs: 0, transientRate: 0, permanentStatus: 403 }] } });
}, 180_000);

afterAll(async () => {
  await lab?.stop();
});

const call = (path: string, init: RequestInit = {}, token: string | null = lab.token) =>
  fetch(`${lab.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) } });

test('the lab listens on loopback only: the socket is bound to 127.0.0.1, not to every interface', () => {
  expect(lab.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
  expect(new URL(lab.url).hostname).toBe('127.0.0.1');
});

test('Google APIs need the lab token; Kubernetes refuses a wrong one but serves anonymous kubectl', async () => {
  const cluster = '/v1/projects/acme-payments-prod/locations/us-central1/clusters/payments-prod';
  expect((await call(cluster, {}, null)).status).toBe(401);
  expect((await call(cluster, {}, 'wrong')).status).toBe(401);
  const pods = '/k8s/acme-payments-prod/us-central1/payments-prod/api/v1/pods';
  expect((await call(pods, {}, 'wrong')).status).toBe(401);
  expect((await call(pods, {}, null)).status).toBe(200);
});

test("scenario faults apply from the start: the chosen operation on the chosen path is refused, and the lab counts it", async () => {
  expect((await call('/v1/projects/acme-payments-prod/locations/us-central1/clusters/payments-prod')).status).toBe(403);
  expect(lab.faults.served()).toEqual([expect.objectContaining({ served: 1 })]);
  expect(lab.operations['gke clusters.get']).toBe(1);
});

test('faults set at run time: a seeded 30% of 429/503, and a permanent 404 for one object', async () => {
  const set = await call('/lab/faults', { method: 'PUT', body: JSON.stringify([{ api: 'kubernetes', transientRate: 0.3 }, { api: 'kubernetes', pathContains: '/pods/ledger-db-0', permanentStatus: 404 }]) });
  expect(set.status).toBe(200);
  const statuses: number[] = [];
  for (let i = 0; i < 200; i++) statuses.push((await call('/k8s/acme-payments-prod/us-central1/payments-prod/api/v1/namespaces/checkout/pods/checkout-api-7d9f8b6c5-x2k8q')).status);
  const failed = statuses.filter((s) => s !== 200);
  expect(new Set(failed)).toEqual(new Set([429, 503]));
  expect(failed.length).toBeGreaterThan(35);
  expect(failed.length).toBeLessThan(85);
  const gone = await call('/k8s/acme-payments-prod/us-central1/payments-prod/api/v1/namespaces/checkout/pods/ledger-db-0');
  expect(gone.status).toBe(404);
  expect(await gone.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  expect((await call('/lab/faults', { method: 'PUT', body: JSON.stringify([{ api: 'nope' }]) })).status).toBe(400);
  await call('/lab/faults', { method: 'PUT', body: '[]' });
});

test('calls are counted per API, and client writes are in the mutation log', async () => {
  const before = { ...lab.calls };
  await call('/k8s/acme-payments-prod/us-central1/payments-prod/api/v1/namespaces/default/pods/debug-shell', {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }),
  });
  expect(lab.calls.kubernetes).toBe(before.kubernetes + 1);
  const mutations = (await (await call('/lab/mutations')).json()) as Record<string, { verb: string; name: string; by: string }[]>;
  expect(mutations['/k8s/acme-payments-prod/us-central1/payments-prod']).toContainEqual({ verb: 'patch', resource: 'pods', namespace: 'default', name: 'debug-shell', by: 'client' });
});

test('a merge patch sent as JSON Patch is refused, as the API server refuses it', async () => {
  const response = await call('/k8s/acme-payments-prod/us-central1/payments-prod/api/v1/namespaces/default/pods/debug-shell', {
    method: 'PATCH',
    headers: { 'content-type': 'application/json-patch+json' },
    body: JSON.stringify({ metadata: { labels: { x: 'y' } } }),
  });
  expect(response.status).toBe(400);
});
