import { paymentsCluster, startActionLab } from '../../test/lab-harness';
import type { CloudClients } from '../cloud';
import { loadScenario } from '../lab/scenario';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import { cordonNode } from './cordon-node';
import { quarantineLabel, quarantineNames, quarantinePod } from './quarantine-pod';

let clients: CloudClients;
let context: ActionContext;
let stop: () => Promise<void>;
const where = { project: 'acme-payments-prod', location: 'us-central1', cluster: 'payments-prod' };

beforeAll(async () => {
  ({ clients, context, stop } = await startActionLab());
});

afterAll(async () => {
  await stop?.();
});

const kube = () => clients.kubernetes(paymentsCluster);

test('quarantine: exactly that pod is isolated while it keeps running, idempotently, and revert undoes it', async () => {
  const planned = (await quarantinePod.plan(context, { ...where, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-x2k8q' })) as PlannedAction;
  expect(planned.effect).toContain('Policies are additive: allow-frontend still admit the traffic they allow.');
  const uid = (planned.target as { uid: string }).uid;
  const names = quarantineNames(uid);

  expect(await quarantinePod.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect(await quarantinePod.apply(context, planned)).toMatchObject({ status: 'applied' });
  const policies = (await kube().listNetworkPolicies('checkout')).filter((p) => p.metadata?.name === names.policy);
  expect(policies).toHaveLength(1);
  expect(policies[0]!.spec).toEqual({ podSelector: { matchLabels: { [quarantineLabel]: names.labelValue } }, policyTypes: ['Ingress', 'Egress'] });
  const selected = await kube().listPods('checkout', `${quarantineLabel}=${names.labelValue}`);
  expect(selected.map((p) => [p.name, p.phase])).toEqual([['checkout-api-7d9f8b6c5-x2k8q', 'Running']]);

  expect(await quarantinePod.revert!(context, planned)).toMatchObject({ status: 'applied' });
  expect((await kube().listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
  expect((await kube().getPod('checkout', 'checkout-api-7d9f8b6c5-x2k8q')).labels[quarantineLabel]).toBeUndefined();
  expect(await quarantinePod.revert!(context, planned)).toMatchObject({ status: 'applied' });
});

test('quarantine refuses a pod that changed since the plan, and a cluster that does not enforce NetworkPolicy', async () => {
  const planned = (await quarantinePod.plan(context, { ...where, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-lq4zp' })) as PlannedAction;
  await kube().patchPodLabels('checkout', 'checkout-api-7d9f8b6c5-lq4zp', { touched: 'by-someone-else' });
  const refused = await quarantinePod.apply(context, planned);
  expect(refused).toMatchObject({ status: 'refused', detail: expect.stringContaining('a new decision is needed') });
  expect((await kube().listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);

  const scenario = loadScenario();
  const open = await startActionLab({ scenario: { ...scenario, clusters: scenario.clusters.map((c) => ({ ...c, networkPolicy: { enabled: false } })) } });
  try {
    const answer = await quarantinePod.plan(open.context, { ...where, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-x2k8q' });
    expect(answer).toEqual({ notApplicable: 'refused: cluster payments-prod does not enforce NetworkPolicy, so a deny-all policy would isolate nothing' });
  } finally {
    await open.stop();
  }
});

test('cordon: the node stops taking new pods, and revert uncordons it', async () => {
  const node = 'gke-payments-prod-default-pool-3f2a1b7c-m4tn';
  const planned = (await cordonNode.plan(context, { ...where, node })) as PlannedAction;
  expect(planned.effect).toContain('instance 5102938475610299911');
  expect(await cordonNode.apply(context, planned)).toMatchObject({ status: 'applied' });
  expect((await kube().getNode(node)).unschedulable).toBe(true);
  expect(await cordonNode.apply(context, planned)).toMatchObject({ status: 'already-done' });
  expect(await cordonNode.plan(context, { ...where, node })).toEqual({ notApplicable: `node ${node} is already cordoned` });
  await cordonNode.revert!(context, planned);
  expect((await kube().getNode(node)).unschedulable).toBe(false);
});
