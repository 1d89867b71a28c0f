import { startTestLab } from '../../test/lab-harness';
import type { Lab } from '../lab/server';
import { InvalidTargetError, PermanentCloudError } from './errors';
import { GkeAdapter } from './gke';

let lab: Lab;
let gke: GkeAdapter;

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
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
