import { paymentsCluster, startActionLab } from '../../test/lab-harness';
import type { Notice, Notifier } from '../notify/notice';
import type { CloudClients } from '../cloud';
import type { Lab } from '../lab/server';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import { notifyOwner } from './notify-owner';
import { replacePod } from './replace-pod';

/**
 * The default GKE action and the runbook's "contact the owner": what each plans against the lab,
 * what apply does (once, however often it runs), and when replace-pod refuses.
 */

let lab: Lab;
let clients: CloudClients;
let context: ActionContext;
let stop: () => Promise<void>;
const where = { project: 'acme-payments-prod', location: 'us-central1', cluster: 'payments-prod' };
const clientDeletes = () => lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!.store.mutations.filter((m) => m.by === 'client' && m.verb === 'delete');

beforeAll(async () => {
  ({ lab, clients, context, stop } = await startActionLab());
});

afterAll(async () => {
  await stop?.();
});

const kube = () => clients.kubernetes(paymentsCluster);

test('replace-pod deletes exactly the planned pod once, its ReplicaSet starts a clean one, and a second apply is already done', async () => {
  const planned = (await replacePod.plan(context, { ...where, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-x2k8q' })) as PlannedAction;
  expect(planned).toMatchObject({ action: 'replace-pod', destructive: true, target: { kind: 'pod', name: 'checkout-api-7d9f8b6c5-x2k8q', owner: 'ReplicaSet/checkout-api-7d9f8b6c5 → Deployment/checkout-api' } });
  expect(planned.effect).toMatch(/Delete pod checkout\/checkout-api-7d9f8b6c5-x2k8q \(uid \S+, resourceVersion \S+\).*starts a replacement\. The replacement runs the same image/);
  const uid = (planned.target as { uid: string }).uid;

  expect(await replacePod.apply(context, planned)).toMatchObject({ status: 'applied', detail: `deleted pod uid ${uid}; ReplicaSet/checkout-api-7d9f8b6c5 → Deployment/checkout-api replaces it` });
  expect(await replacePod.apply(context, planned)).toMatchObject({ status: 'already-done' });
  expect(clientDeletes()).toEqual([{ verb: 'delete', resource: 'pods', namespace: 'checkout', name: 'checkout-api-7d9f8b6c5-x2k8q', by: 'client' }]);
  const running = await kube().listPods('checkout', 'app=checkout-api');
  expect(running).toHaveLength(2);
  expect(running.map((p) => p.uid)).not.toContain(uid);
});

test('replace-pod refuses a pod that changed since the plan, and a bare pod is planned with its consequence said', async () => {
  const planned = (await replacePod.plan(context, { ...where, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-lq4zp' })) as PlannedAction;
  await kube().patchPodLabels('checkout', 'checkout-api-7d9f8b6c5-lq4zp', { touched: 'by-someone-else' });
  expect(await replacePod.apply(context, planned)).toMatchObject({ status: 'refused', detail: expect.stringMatching(/changed since the plan was approved \(resourceVersion \S+ → \S+\): a new decision is needed/) });
  expect(clientDeletes().map((m) => m.name)).not.toContain('checkout-api-7d9f8b6c5-lq4zp');

  const bare = (await replacePod.plan(context, { ...where, namespace: 'default', pod: 'debug-shell' })) as PlannedAction;
  expect(bare.effect).toContain('nothing recreates it (a bare pod): the workload stops until someone redeploys it');
  expect(await replacePod.plan(context, { ...where, namespace: 'checkout', pod: 'never-there' })).toEqual({ notApplicable: 'pod checkout/never-there no longer exists: nothing to replace' });
});

test('notify-owner plans the recipients it will tell, sends exactly what it planned, and is not planned without a route', async () => {
  const sent: Notice[] = [];
  const notifier: Notifier = { configured: true, send: async (notice) => (sent.push(notice), true) };
  const planned = (await notifyOwner.plan({ ...context, notifier }, { recipients: ['payments-oncall@acme.example'], routedBy: "the finding's contacts", caseId: 'case-000000000001', summary: 'a compiler ran in checkout-api' })) as PlannedAction;
  expect(planned).toMatchObject({ action: 'notify-owner', destructive: false, target: { kind: 'owner', recipients: ['payments-oncall@acme.example'] } });
  expect(await notifyOwner.apply({ ...context, notifier }, planned)).toMatchObject({ status: 'applied', target: 'payments-oncall@acme.example' });
  expect(sent).toEqual([{ event: 'owner-notice', recipients: ['payments-oncall@acme.example'], text: planned.effect }]);
  expect(planned.effect).toBe("Notify payments-oncall@acme.example (the finding's contacts) of case case-000000000001: a compiler ran in checkout-api");
  expect(await notifyOwner.plan(context, { recipients: [], routedBy: 'no route', caseId: 'case-000000000001', summary: 'x' })).toEqual({ notApplicable: 'no notification route is configured' });

  // No owner address anywhere: the channels still hear it, and no made-up recipient is sent.
  const unaddressed = (await notifyOwner.plan({ ...context, notifier }, { recipients: [], routedBy: 'no route', caseId: 'case-000000000002', summary: 'x' })) as PlannedAction;
  expect(unaddressed).toMatchObject({ target: { kind: 'owner', recipients: [] }, effect: 'Notify the notification channels (no owner address: no route) of case case-000000000002: x' });
  expect(await notifyOwner.apply({ ...context, notifier }, unaddressed)).toMatchObject({ status: 'applied', target: 'the notification channels' });
  expect(sent.at(-1)!.recipients).toEqual([]);
});
