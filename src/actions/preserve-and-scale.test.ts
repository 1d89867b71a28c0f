import { paymentsCluster, startActionLab } from '../../test/lab-harness';
import type { CloudClients } from '../cloud';
import { loadScenario } from '../lab/scenario';
import type { Lab } from '../lab/server';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import { quarantineLabel, quarantineNames } from './pod-isolation';
import { preserveThenReplacePod } from './preserve-then-replace-pod';
import { scaleWorkloadToZero } from './scale-workload-to-zero';

let lab: Lab;
let clients: CloudClients;
let context: ActionContext;
let stop: () => Promise<void>;
const where = { project: 'acme-payments-prod', location: 'us-central1', cluster: 'payments-prod' };
const suspect = 'checkout-api-7d9f8b6c5-x2k8q';

beforeAll(async () => {
  ({ lab, clients, context, stop } = await startActionLab());
});

afterAll(async () => {
  await stop?.();
});

const kube = () => clients.kubernetes(paymentsCluster);
const checkoutPods = async () => (await kube().listPods('checkout')).filter((p) => p.name.startsWith('checkout-api-'));
const clientMutations = () => lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client');

test('preserve-then-replace: the suspect keeps running, isolated and released, while its ReplicaSet starts a clean replacement; revert puts it all back', async () => {
  const planned = (await preserveThenReplacePod.plan(context, { ...where, namespace: 'checkout', pod: suspect })) as PlannedAction;
  expect(planned.target).toMatchObject({ kind: 'pod', replicaSet: 'checkout-api-7d9f8b6c5', releasedLabels: { app: 'checkout-api', 'pod-template-hash': '7d9f8b6c5' } });
  expect(planned.effect).toContain('ReplicaSet checkout-api-7d9f8b6c5 lets it go and starts a clean replacement');
  const uid = (planned.target as { uid: string }).uid;
  const names = quarantineNames(uid);
  const before = await checkoutPods();

  expect(await preserveThenReplacePod.apply(context, planned)).toMatchObject({ status: 'applied' });
  const kept = await kube().getPod('checkout', suspect);
  expect(kept).toMatchObject({ uid, phase: 'Running' });
  expect(kept.owner).toBeUndefined();
  expect(kept.labels).toEqual(expect.objectContaining({ [quarantineLabel]: names.labelValue }));
  expect(kept.labels.app).toBeUndefined();
  const replicaSetPods = await kube().listPods('checkout', 'app=checkout-api,pod-template-hash=7d9f8b6c5');
  expect(replicaSetPods).toHaveLength(2);
  expect(replicaSetPods.map((p) => p.name)).not.toContain(suspect);
  expect((await kube().listNetworkPolicies('checkout')).find((p) => p.metadata?.name === names.policy)?.spec?.podSelector).toEqual({ matchLabels: { [quarantineLabel]: names.labelValue } });

  // A retry after a crash acts once.
  const mutations = clientMutations().length;
  expect(await preserveThenReplacePod.apply(context, planned)).toMatchObject({ status: 'already-done' });
  expect(clientMutations().length).toBe(mutations);

  expect(await preserveThenReplacePod.revert!(context, planned)).toMatchObject({ status: 'applied' });
  const after = await checkoutPods();
  expect(after.map((p) => p.uid).sort()).toEqual(before.map((p) => p.uid).sort());
  expect((await kube().getPod('checkout', suspect)).labels).toEqual(before.find((p) => p.name === suspect)!.labels);
  expect((await kube().listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
});

test('preserve-then-replace says why it does not apply: a StatefulSet pod, a cluster without NetworkPolicy enforcement', async () => {
  expect(await preserveThenReplacePod.plan(context, { ...where, namespace: 'checkout', pod: 'ledger-db-0' })).toEqual({
    notApplicable: 'pod checkout/ledger-db-0 has StatefulSet ledger-db: only a ReplicaSet can start a replacement beside a preserved pod',
  });
  const scenario = loadScenario();
  const open = await startActionLab({ scenario: { ...scenario, clusters: scenario.clusters.map((c) => ({ ...c, networkPolicy: { enabled: false } })) } });
  try {
    const answer = await preserveThenReplacePod.plan(open.context, { ...where, namespace: 'checkout', pod: suspect });
    expect(answer).toEqual({ notApplicable: expect.stringContaining('does not enforce NetworkPolicy') });
  } finally {
    await open.stop();
  }
});

test('preserve-then-replace refuses a pod that changed since the plan, touching nothing', async () => {
  const planned = (await preserveThenReplacePod.plan(context, { ...where, namespace: 'checkout', pod: suspect })) as PlannedAction;
  await kube().patchPodLabels('checkout', suspect, { 'touched-by': 'someone-else' });
  const mutations = clientMutations().length;
  expect(await preserveThenReplacePod.apply(context, planned)).toMatchObject({ status: 'refused', detail: expect.stringContaining('a new decision is needed') });
  expect(clientMutations().length).toBe(mutations);
  await kube().patchPodLabels('checkout', suspect, { 'touched-by': null });
});

test('scale to zero stops a StatefulSet, refuses a changed count, and revert brings the same number back', async () => {
  const planned = (await scaleWorkloadToZero.plan(context, { ...where, namespace: 'checkout', pod: 'ledger-db-0' })) as PlannedAction;
  expect(planned.target).toMatchObject({ kind: 'workload', workloadKind: 'StatefulSet', name: 'ledger-db', replicas: 1 });
  expect(await scaleWorkloadToZero.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect((await kube().listPods('checkout')).map((p) => p.name)).not.toContain('ledger-db-0');
  expect(await scaleWorkloadToZero.apply(context, planned)).toMatchObject({ status: 'already-done' });
  expect(await scaleWorkloadToZero.plan(context, { ...where, namespace: 'checkout', pod: 'ledger-db-0' })).toEqual({ notApplicable: 'pod checkout/ledger-db-0 no longer exists' });
  expect(await scaleWorkloadToZero.revert!(context, planned)).toMatchObject({ status: 'applied', detail: 'scaled back to 1' });
  expect((await kube().getPod('checkout', 'ledger-db-0')).phase).toBe('Running');

  await kube().scale('StatefulSet', 'checkout', 'ledger-db', 2);
  expect(await scaleWorkloadToZero.apply(context, planned)).toMatchObject({ status: 'refused', detail: expect.stringContaining('(1 → 2)') });
  expect(await kube().readScale('StatefulSet', 'checkout', 'ledger-db')).toMatchObject({ replicas: 2 });
});

test('scale to zero has nothing to scale for a DaemonSet or a Job, and stops a Deployment through its ReplicaSet', async () => {
  expect(await scaleWorkloadToZero.plan(context, { ...where, namespace: 'kube-system', pod: 'node-agent-8xq2v' })).toEqual({
    notApplicable: 'pod kube-system/node-agent-8xq2v is run by DaemonSet node-agent, which has no replica count to scale',
  });
  const planned = (await scaleWorkloadToZero.plan(context, { ...where, namespace: 'checkout', pod: suspect })) as PlannedAction;
  expect(planned.effect).toContain('Scale Deployment checkout/checkout-api from 2 replica(s) to 0');
  expect(await scaleWorkloadToZero.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect(await checkoutPods()).toEqual([]);
  expect(await scaleWorkloadToZero.revert!(context, planned)).toMatchObject({ status: 'applied' });
  expect((await checkoutPods()).filter((p) => p.phase === 'Running')).toHaveLength(2);
});
