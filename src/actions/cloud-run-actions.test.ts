import { startActionLab } from '../../test/lab-harness';
import { loadScenario } from '../lab/scenario';
import type { CloudClients } from '../cloud';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import { deleteRevision } from './delete-revision';
import { restrictIngress } from './restrict-ingress';
import { shiftTraffic } from './shift-traffic-to-previous-revision';

let clients: CloudClients;
let context: ActionContext;
let stop: () => Promise<void>;
const storefront = { project: 'acme-web-prod', region: 'europe-west1', service: 'storefront' };
const suspect = 'storefront-00042-qaz';

beforeAll(async () => {
  ({ clients, context, stop } = await startActionLab());
});

afterAll(async () => {
  await stop?.();
});

const service = () => clients.run.getService(storefront.project, storefront.region, storefront.service);
const revisions = async () => (await clients.run.listRevisions(storefront.project, storefront.region, storefront.service)).map((r) => r.name);

test('restrict ingress: internal only, then revert restores the setting it had; a setting changed by someone else is left alone', async () => {
  const planned = (await restrictIngress.plan(context, storefront)) as PlannedAction;
  expect(planned.target).toEqual({ kind: 'cloud-run-ingress', ...storefront, fromIngress: 'INGRESS_TRAFFIC_ALL', toIngress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' });
  expect(await restrictIngress.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect((await service()).ingress).toBe('INGRESS_TRAFFIC_INTERNAL_ONLY');
  expect(await restrictIngress.apply(context, planned)).toMatchObject({ status: 'already-done' });
  expect(await restrictIngress.plan(context, storefront)).toEqual({ notApplicable: 'service storefront already accepts internal traffic only' });
  expect(await restrictIngress.revert!(context, planned)).toMatchObject({ status: 'applied' });
  expect((await service()).ingress).toBe('INGRESS_TRAFFIC_ALL');

  const again = (await restrictIngress.plan(context, storefront)) as PlannedAction;
  await clients.run.setIngress(storefront.project, storefront.region, storefront.service, 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER');
  expect(await restrictIngress.apply(context, again)).toMatchObject({ status: 'refused', detail: expect.stringContaining('a new decision is needed') });
  expect((await service()).ingress).toBe('INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER');
  await clients.run.setIngress(storefront.project, storefront.region, storefront.service, 'INGRESS_TRAFFIC_ALL');
});

test('delete revision is refused while the revision serves traffic, done after the shift, and the shift reverts to the old split', async () => {
  const shift = (await shiftTraffic.plan(context, { ...storefront, revision: suspect })) as PlannedAction;
  const removal = (await deleteRevision.plan(context, { ...storefront, revision: suspect })) as PlannedAction;
  expect(removal.effect).toContain('it serves 100% now');
  expect(await deleteRevision.apply(context, removal)).toMatchObject({ status: 'refused', detail: `revision ${suspect} still serves 100% of traffic: move it first` });
  expect(await revisions()).toContain(suspect);

  expect(await shiftTraffic.apply(context, shift)).toMatchObject({ status: 'applied' });
  expect(await deleteRevision.apply(context, removal)).toMatchObject({ status: 'applied' });
  expect(await revisions()).toEqual(['storefront-00041-kel']);
  expect(await deleteRevision.apply(context, removal)).toMatchObject({ status: 'already-done' });
  expect(deleteRevision.revert).toBeUndefined();

  // Reverting the shift restores the split it recorded; the revision it named is gone, so the lab refuses it, and nothing changes.
  await expect(shiftTraffic.revert!(context, shift)).rejects.toThrow(`Revision '${suspect}' does not exist.`);
  expect((await service()).traffic).toEqual([{ revision: 'storefront-00041-kel', percent: 100 }]);
});

test('shift traffic reverts to the split it found', async () => {
  const fresh = await startActionLab();
  try {
    const ctx = fresh.context;
    const shift = (await shiftTraffic.plan(ctx, { ...storefront, revision: suspect })) as PlannedAction;
    expect(await shiftTraffic.apply(ctx, shift)).toMatchObject({ status: 'applied' });
    expect(await shiftTraffic.revert!(ctx, shift)).toMatchObject({ status: 'applied' });
    expect((await fresh.clients.run.getService(storefront.project, storefront.region, storefront.service)).traffic).toEqual([{ revision: suspect, percent: 100 }]);
    expect(await shiftTraffic.revert!(ctx, shift)).toMatchObject({ status: 'already-done' });
  } finally {
    await fresh.stop();
  }
});

test('shift traffic passes over older revisions that run the suspect image: only settings changed there', async () => {
  const scenario = loadScenario();
  const run = scenario.cloudRun.find((s) => s.service === 'storefront')!;
  const image = (tag: string) => `europe-docker.pkg.dev/acme-web-prod/web/storefront:${tag}`;
  run.revisions = [
    { ...run.revisions[0]!, name: 'storefront-00040-abc', image: image('2026.11.1'), createTime: '2026-11-10T10:00:00Z' },
    { ...run.revisions[0]!, image: image('2026.11.3') },
    ...run.revisions.slice(1),
  ];
  const lab = await startActionLab({ scenario });
  try {
    const shift = (await shiftTraffic.plan(lab.context, { ...storefront, revision: suspect })) as PlannedAction;
    expect(shift.target).toMatchObject({ fromRevision: suspect, toRevision: 'storefront-00040-abc' });
    expect(shift.effect).toContain(`(image ${image('2026.11.1')})`);

    run.revisions = run.revisions.filter((r) => r.name !== 'storefront-00040-abc');
    const sameImage = await startActionLab({ scenario });
    try {
      expect(await shiftTraffic.plan(sameImage.context, { ...storefront, revision: suspect })).toEqual({ notApplicable: `every revision of service storefront older than ${suspect} runs its image ${image('2026.11.3')} too: no clean revision to move traffic to` });
    } finally {
      await sameImage.stop();
    }
  } finally {
    await lab.stop();
  }
});
