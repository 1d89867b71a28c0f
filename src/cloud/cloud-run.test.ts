import { startTestLab } from '../../test/lab-harness';
import type { Lab } from '../lab/server';
import { CloudRunAdapter } from './cloud-run';
import { InvalidTargetError, PermanentCloudError, TransientCloudError } from './errors';

let lab: Lab;
let run: CloudRunAdapter;
const at = ['acme-web-prod', 'europe-west1', 'storefront'] as const;

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  run = new CloudRunAdapter(started.target);
});

afterAll(async () => {
  await run?.close();
  await lab?.stop();
});

afterEach(() => lab.faults.set([]));

test('service and revisions, newest first', async () => {
  const service = await run.getService(...at);
  expect(service).toMatchObject({ latestReadyRevision: 'storefront-00042-qaz', traffic: [{ revision: 'storefront-00042-qaz', percent: 100 }], ingress: 'INGRESS_TRAFFIC_ALL' });
  expect((await run.listRevisions(...at)).map((r) => r.name)).toEqual(['storefront-00042-qaz', 'storefront-00041-kel']);
});

test('traffic moves to the previous revision through a long-running operation; then the bad revision can go', async () => {
  const before = await run.getService(...at);
  await expect(run.deleteRevision(...at, 'storefront-00042-qaz')).rejects.toThrow(/serving traffic/);
  const moved = await run.setTraffic(...at, [{ revision: 'storefront-00041-kel', percent: 100 }], before.etag);
  expect(moved.traffic).toEqual([{ revision: 'storefront-00041-kel', percent: 100 }]);
  await expect(run.setTraffic(...at, [{ revision: 'storefront-00041-kel', percent: 100 }], before.etag)).rejects.toThrow(/etag/);
  await run.deleteRevision(...at, 'storefront-00042-qaz');
  expect((await run.listRevisions(...at)).map((r) => r.name)).toEqual(['storefront-00041-kel']);
  expect((await run.getService(...at)).traffic).toEqual([{ revision: 'storefront-00041-kel', percent: 100 }]);
});

test('errors are classified; hostile names never leave', async () => {
  await expect(run.getService('acme-web-prod', 'europe-west1', 'missing')).rejects.toThrow(PermanentCloudError);
  lab.faults.set([{ api: 'run', transientRate: 1, latencyMs: 0 }]);
  await expect(run.getService(...at)).rejects.toThrow(TransientCloudError);
  const before = lab.calls.run;
  await expect(run.setTraffic(...at, [{ revision: 'r/../../x', percent: 100 }])).rejects.toThrow(InvalidTargetError);
  expect(lab.calls.run).toBe(before);
});
