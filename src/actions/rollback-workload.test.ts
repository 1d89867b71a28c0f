import { paymentsCluster, startActionLab } from '../../test/lab-harness';
import { podName, stormScenario } from '../bench/storm-scenario';
import type { CloudClients } from '../cloud';
import { loadScenario } from '../lab/scenario';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import { quarantineLabel, quarantineNames } from './pod-isolation';
import { rollbackWorkload } from './rollback-workload';

/**
 * Rolling a Deployment back to the revision before the bad image: the previous ReplicaSet's
 * template goes back, every pod is replaced, and revert puts the bad template back. Against the
 * lab's Deployment controller (storm-api: revision 1 runs 0.9.0, revision 2 the suspect 1.0.0).
 */

let clients: CloudClients;
let context: ActionContext;
let stop: () => Promise<void>;
const storm = stormScenario(loadScenario(), { findings: 4, pods: 4, binaries: 1 });
const params = { project: paymentsCluster.project, location: paymentsCluster.location, cluster: paymentsCluster.name, namespace: 'storm', pod: podName(0), container: 'app' as string | undefined };
const image = (tag: string) => `us-docker.pkg.dev/acme-payments-prod/apps/storm-api:${tag}`;

beforeAll(async () => {
  ({ clients, context, stop } = await startActionLab({ scenario: storm.scenario }));
});

afterAll(async () => {
  await stop?.();
});

const kube = () => clients.kubernetes(paymentsCluster);
const stormPods = async () => (await kube().listPods('storm')).filter((p) => p.name.startsWith('storm-api-'));

async function plan(extra: Partial<Parameters<typeof rollbackWorkload.plan>[1]> = {}): Promise<PlannedAction> {
  const planned = await rollbackWorkload.plan(context, { ...params, ...extra });
  if ('notApplicable' in planned) throw new Error(planned.notApplicable);
  return planned;
}

test('the Deployment goes back to the last revision with another image, every pod is replaced, and revert puts the bad template back', async () => {
  const planned = await plan();
  expect(planned.target).toMatchObject({ kind: 'deployment-rollback', name: 'storm-api', container: 'app', replicas: 4, from: { revision: 2, image: image('1.0.0') }, to: { revision: 1, image: image('0.9.0'), replicaSet: 'storm-api-4e5a6b7c8' } });
  // The template the Deployment gets is the ReplicaSet's without the hash its controller adds.
  expect(JSON.stringify((planned.target as { to: { template: unknown } }).to.template)).not.toContain('pod-template-hash');
  expect(planned.effect).toContain('back from revision 2 (container app: us-docker.pkg.dev/acme-payments-prod/apps/storm-api:1.0.0) to revision 1');
  expect(await rollbackWorkload.blastRadius!(context, planned)).toMatchObject({ owners: [{ kind: 'Deployment', name: 'storm-api', replicas: 4 }] });

  const before = (await stormPods()).map((p) => p.uid);
  expect(await rollbackWorkload.apply(context, planned)).toMatchObject({ status: 'applied', detail: expect.stringContaining("to revision 1's template") });
  const after = await stormPods();
  expect(after).toHaveLength(4);
  expect(after.every((p) => p.containers[0]!.image === image('0.9.0') && !before.includes(p.uid))).toBe(true);
  expect(await kube().getDeployment('storm', 'storm-api')).toMatchObject({ revision: 3 });
  // Run again after a crash: it acts once.
  expect(await rollbackWorkload.apply(context, planned)).toMatchObject({ status: 'already-done' });

  expect(await rollbackWorkload.revert!(context, planned)).toMatchObject({ status: 'applied' });
  expect((await stormPods()).every((p) => p.containers[0]!.image === image('1.0.0'))).toBe(true);
  expect(await rollbackWorkload.revert!(context, planned)).toMatchObject({ status: 'already-done' });
});

/** The suspect pods are replaced by now: later plans name the Deployment and the suspect image, as a case whose pod is gone does. */
const byWorkload = { workload: { kind: 'Deployment' as const, name: 'storm-api' }, image: image('1.0.0') };

test('a Deployment whose spec changed since the plan (scaled) is refused, and nothing is rolled', async () => {
  const planned = await plan(byWorkload);
  // Scaling is a change of the spec: the generation moves, as the API server moves it.
  await kube().scale('Deployment', 'storm', 'storm-api', 5, (planned.target as { uid: string }).uid);
  const result = await rollbackWorkload.apply(context, planned);
  expect(result).toMatchObject({ status: 'refused', detail: expect.stringContaining("the Deployment's spec changed since the plan was approved (generation") });
  expect((await stormPods()).every((p) => p.containers[0]!.image === image('1.0.0'))).toBe(true);
  await kube().scale('Deployment', 'storm', 'storm-api', 4);
});

test('a Deployment already off the suspect image, one with no earlier revision, or no Deployment at all: it does not apply, and says why', async () => {
  const planned = await plan(byWorkload);
  await rollbackWorkload.apply(context, planned);
  // Rolled back already: a plan for the suspect image (its pod gone) does not roll the Deployment anywhere.
  expect(await rollbackWorkload.plan(context, { ...params, workload: { kind: 'Deployment', name: 'storm-api' }, image: image('1.0.0') })).toEqual({ notApplicable: expect.stringContaining('no longer runs the suspect image us-docker.pkg.dev/acme-payments-prod/apps/storm-api:1.0.0 in container app (it runs us-docker.pkg.dev/acme-payments-prod/apps/storm-api:0.9.0)') });
  await rollbackWorkload.revert!(context, planned);

  // A Deployment with one revision has nothing to go back to.
  expect(await rollbackWorkload.plan(context, { ...params, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-x2k8q', container: undefined })).toEqual({ notApplicable: expect.stringContaining('no earlier revision of Deployment checkout/checkout-api runs another image in container') });
  expect(await rollbackWorkload.plan(context, { ...params, namespace: 'checkout', pod: 'checkout-api-7d9f8b6c5-x2k8q', container: undefined })).toEqual({ notApplicable: expect.stringContaining('(it has no earlier revision): nothing clean to roll back to') });

  const ledger = await rollbackWorkload.plan(context, { ...params, namespace: 'checkout', pod: 'ledger-db-0', container: 'postgres' });
  expect(ledger).toEqual({ notApplicable: expect.stringContaining('is run by StatefulSet ledger-db, which keeps no rollout history to roll back') });
  const gone = await rollbackWorkload.plan(context, { ...params, pod: 'storm-api-5f6b7c8d9-gone' });
  expect(gone).toEqual({ notApplicable: 'pod storm/storm-api-5f6b7c8d9-gone no longer exists' });
});

test('hostile names reach no API: a workload name that is not one is refused before any request', async () => {
  await expect(rollbackWorkload.plan(context, { ...params, workload: { kind: 'Deployment', name: '../../secrets' } })).rejects.toThrow(/workload name/);
});

test('pods kept for forensics stay running, isolated and released, while the rollout replaces the rest; revert gives them back', async () => {
  // The earlier tests' rollouts replaced the scenario's pods: these are the ones running the suspect image now.
  const kept = (await stormPods()).map((p) => p.name).slice(0, 2);
  const replicaSet = (await kube().getPod('storm', kept[0]!)).labels['pod-template-hash'];
  const planned = await plan({ pod: kept[0], preserve: [...kept, 'storm-api-5f6b7c8d9-gone'] });
  const target = planned.target as { preserve: { name: string; uid: string; replicaSet: string; releasedLabels: Record<string, string> }[] };
  expect(target.preserve.map((p) => [p.name, p.replicaSet, p.releasedLabels])).toEqual(kept.map((name) => [name, `storm-api-${replicaSet}`, { app: 'storm-api', 'pod-template-hash': replicaSet }]));
  expect(planned.effect).toContain(`pod(s) storm/${kept[0]}, storm/${kept[1]} are kept for forensics`);
  expect(planned.effect).toContain('pod storm/storm-api-5f6b7c8d9-gone is gone: it cannot be kept for forensics');

  const result = await rollbackWorkload.apply(context, planned);
  expect(result).toMatchObject({ status: 'applied', detail: expect.stringContaining(`${kept[0]} kept, isolated by NetworkPolicy ${quarantineNames(target.preserve[0]!.uid).policy}`) });
  const after = await stormPods();
  const survivors = after.filter((p) => kept.includes(p.name));
  expect(survivors.map((p) => [p.uid, p.containers[0]!.image, p.labels[quarantineLabel], 'app' in p.labels])).toEqual(
    target.preserve.map((p) => [p.uid, image('1.0.0'), quarantineNames(p.uid).labelValue, false]),
  );
  // The rest run the earlier image: the replicas the Deployment asks for, beside the kept pods.
  expect(after.filter((p) => !kept.includes(p.name)).map((p) => p.containers[0]!.image)).toEqual(Array(4).fill(image('0.9.0')));
  const policies = (await kube().listNetworkPolicies('storm')).map((p) => p.metadata?.name);
  expect(policies).toEqual(expect.arrayContaining(target.preserve.map((p) => quarantineNames(p.uid).policy)));

  expect(await rollbackWorkload.revert!(context, planned)).toMatchObject({ status: 'applied', detail: expect.stringContaining(`${kept[0]} given back to ReplicaSet storm-api-${replicaSet}`) });
  const back = await stormPods();
  expect(back.every((p) => p.containers[0]!.image === image('1.0.0') && !(quarantineLabel in p.labels))).toBe(true);
  expect((await kube().listNetworkPolicies('storm')).map((p) => p.metadata?.name)).not.toEqual(expect.arrayContaining([quarantineNames(target.preserve[0]!.uid).policy]));
});
