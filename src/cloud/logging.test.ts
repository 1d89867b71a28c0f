import { startTestLab } from '../../test/lab-harness';
import type { CloudRunSubject, GkeSubject } from '../findings/model';
import type { Lab } from '../lab/server';
import { InvalidTargetError, TransientCloudError } from './errors';
import { LoggingAdapter } from './logging';

let lab: Lab;
let logging: LoggingAdapter;

const subject: GkeSubject = {
  runtime: 'gke',
  projectId: 'acme-payments-prod',
  location: 'us-central1',
  cluster: 'payments-prod',
  namespace: 'checkout',
  pod: 'checkout-api-7d9f8b6c5-x2k8q',
  container: 'api',
  clusterResourceName: '//container.googleapis.com/projects/acme-payments-prod/locations/us-central1/clusters/payments-prod',
};
const day = { from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', maxEntries: 100 };

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  logging = new LoggingAdapter(started.target);
});

afterAll(async () => {
  await lab?.stop();
});

afterEach(() => lab.faults.set([]));

test('pod logs: the runbook filter, bounded in time, oldest first', async () => {
  const result = await logging.podLogs(subject, day);
  expect(result.query).toContain('resource.type="k8s_container"');
  expect(result.query).toMatch(/timestamp>="2026-11-20T00:00:00.000Z" AND timestamp<="2026-11-21T00:00:00.000Z"$/);
  expect(result.entries.map((e) => e.text)).toEqual(['GET /healthz 200', 'wrote /tmp/.cache/k.c (1.2 KiB)', 'kworkerd: connecting to pool']);
  expect(result.entries[1]).toMatchObject({ severity: 'WARNING', timestamp: '2026-11-20T14:02:10.877Z', resource: { type: 'k8s_container' } });
  expect(result.truncated).toBe(false);
});

test('the time window is honoured', async () => {
  const result = await logging.podLogs(subject, { from: '2026-11-20T14:02:00Z', to: '2026-11-20T14:05:00Z', maxEntries: 100 });
  expect(result.entries.map((e) => e.text)).toEqual(['wrote /tmp/.cache/k.c (1.2 KiB)']);
});

test('cluster audit logs: the activity log naming the pod, with its AuditLog payload', async () => {
  const result = await logging.clusterAuditLogs(subject, day);
  expect(result.entries).toHaveLength(1);
  expect(result.entries[0]!.text).toContain('io.k8s.core.v1.pods.exec.create');
  expect(result.entries[0]!.logName).toBe('projects/acme-payments-prod/logs/cloudaudit.googleapis.com%2Factivity');
});

test('node logs by instance id', async () => {
  const result = await logging.nodeLogs('acme-payments-prod', '5102938475610293847', day);
  expect(result.entries.map((e) => e.text)).toEqual([expect.stringContaining('/usr/bin/gcc-12')]);
});

test('Cloud Run revision logs', async () => {
  const run: CloudRunSubject = { runtime: 'cloud-run', projectId: 'acme-web-prod', region: 'europe-west1', service: 'storefront', revision: 'storefront-00042-qaz', resourceName: '' };
  const result = await logging.cloudRunLogs(run, { from: '2026-11-21T00:00:00Z', to: '2026-11-22T00:00:00Z', maxEntries: 10 });
  expect(result.entries.map((e) => e.severity)).toEqual(['DEFAULT', 'ERROR']);
});

test('the cap is kept and reported', async () => {
  const result = await logging.podLogs(subject, { ...day, maxEntries: 2 });
  expect(result.entries).toHaveLength(2);
  expect(result.truncated).toBe(true);
});

test('hostile names never reach a filter, and faults arrive classified', async () => {
  const before = lab.calls.logging;
  await expect(logging.podLogs({ ...subject, pod: 'x" OR "' }, day)).rejects.toThrow(InvalidTargetError);
  await expect(logging.nodeLogs('acme-payments-prod', '1 OR 2', day)).rejects.toThrow(InvalidTargetError);
  expect(lab.calls.logging).toBe(before);
  lab.faults.set([{ api: 'logging', transientRate: 1, latencyMs: 0 }]);
  await expect(logging.podLogs(subject, day)).rejects.toThrow(TransientCloudError);
});
