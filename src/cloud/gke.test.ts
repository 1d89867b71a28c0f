import { startTestLab } from '../../test/lab-harness';
import type { Lab } from '../lab/server';
import { InvalidTargetError, PermanentCloudError } from './errors';
import { GkeAdapter } from './gke';
import type { CloudTarget } from './config';

let lab: Lab;
let gke: GkeAdapter;
let target: CloudTarget;

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  target = started.target;
  gke = new GkeAdapter(started.target);
});

afterAll(async () => {
  await gke?.close();
  await lab?.stop();
});

test('cluster metadata, with NetworkPolicy enforcement', async () => {
  const cluster = await gke.getCluster('acme-payments-prod', 'us-central1', 'payments-prod');
  expect(cluster).toMatchObject({
    name: 'payments-prod',
    status: 'RUNNING',
    networkPolicyEnforced: true,
    networkPolicyProvider: 'CALICO',
    labels: { team: 'payments', owner: 'payments-oncall' },
  });
  expect(cluster.endpoint).toBe(`${lab.url}/k8s/acme-payments-prod/us-central1/payments-prod`);
});

test('an unknown cluster is NOT_FOUND, permanent; a hostile name never leaves', async () => {
  await expect(gke.getCluster('acme-payments-prod', 'us-central1', 'nope')).rejects.toThrow(PermanentCloudError);
  const before = lab.calls.gke;
  await expect(gke.getCluster('acme-payments-prod', 'us-central1', 'x/../../y')).rejects.toThrow(InvalidTargetError);
  expect(lab.calls.gke).toBe(before);
});

test('cases in one cluster share its metadata for a short while; a failed read is not kept, and 0 reads it each time', async () => {
  const before = lab.calls.gke;
  const reads = await Promise.all(Array.from({ length: 20 }, () => gke.getCluster('acme-payments-prod', 'us-central1', 'payments-prod')));
  expect(new Set(reads.map((r) => r.name))).toEqual(new Set(['payments-prod']));
  expect(lab.calls.gke - before).toBeLessThanOrEqual(1);

  const fresh = new GkeAdapter({ ...target, clusterReadTtlMs: 60_000 });
  try {
    lab.faults.set([{ api: 'gke', operation: 'clusters.get', latencyMs: 0, transientRate: 0, permanentStatus: 403 }]);
    await expect(fresh.getCluster('acme-payments-prod', 'us-central1', 'payments-prod')).rejects.toThrow();
    lab.faults.set([]);
    await expect(fresh.getCluster('acme-payments-prod', 'us-central1', 'payments-prod')).resolves.toMatchObject({ name: 'payments-prod' });
  } finally {
    lab.faults.set([]);
    await fresh.close();
  }

  const uncached = new GkeAdapter({ ...target, clusterReadTtlMs: 0 });
  try {
    const start = lab.calls.gke;
    await uncached.getCluster('acme-payments-prod', 'us-central1', 'payments-prod');
    await uncached.getCluster('acme-payments-prod', 'us-central1', 'payments-prod');
    expect(lab.calls.gke - start).toBe(2);
  } finally {
    await uncached.close();
  }
});
