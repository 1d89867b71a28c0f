import { AuthorizationV1Api, RbacAuthorizationV1Api, VersionApi, type V1PolicyRule } from '@kubernetes/client-node';
import { cordonNode } from '../../src/actions/cordon-node';
import { quarantinePod } from '../../src/actions/quarantine-pod';
import { replacePod } from '../../src/actions/replace-pod';
import { scaleWorkloadToZero } from '../../src/actions/scale-workload-to-zero';
import { rollbackWorkload } from '../../src/actions/rollback-workload';
import type { DeploymentInfo } from '../../src/cloud/kubernetes';
import { blastRadius } from '../../src/activities/blast-radius';
import { PermanentCloudError } from '../../src/cloud';
import type { PlannedAction } from '../../src/workflows/shared';
import { paymentsSubject, paymentsWhere, rbacDocuments, startRealBackend, workerIdentity, type KubeBackend } from './backends';
import { eventually } from './scenario-cluster';

/**
 * deploy/kubernetes/rbac.yaml is exact against a real API server: the conformance suite shows
 * its rules are enough for every action's apply and revert; here, taking away any one verb on
 * any one resource makes what needs it fail, with an error that names the missing grant (the
 * text a case records as its gap).
 */

const where = paymentsWhere;
const suspect = 'checkout-api-7d9f8b6c5-x2k8q';
const node = 'gke-payments-prod-default-pool-3f2a1b7c-m4tn';
const subject = paymentsSubject('checkout', suspect, 'api');

interface Probe {
  /** What runs with every grant in place (a plan), before the one grant is taken away. */
  prepare?(b: KubeBackend): Promise<unknown>;
  run(b: KubeBackend, prepared: unknown): Promise<unknown>;
  /** The Kubernetes minor release from which the API server asks for this grant. */
  neededFrom?: number;
  /** Undoes what the run did once it worked, for the probes after it. */
  cleanup?(b: KubeBackend, prepared: unknown): Promise<unknown>;
}

const planOf = (b: KubeBackend, module: { plan: (c: KubeBackend['context'], p: never) => Promise<unknown> }, params: object) => module.plan(b.context, params as never) as Promise<PlannedAction>;
const podOf = async (b: KubeBackend, namespace: string, selector: string) => (await b.admin.listPods(namespace, selector))[0]!;

/** For each grant, `verb group/resource`: something the product does that needs it. */
const probes: Record<string, Probe> = {
  'get /pods': { run: (b) => quarantinePod.plan(b.context, { ...where, namespace: 'checkout', pod: suspect }) },
  'list /pods': { run: (b) => blastRadius(b.clients, subject) },
  'patch /pods': {
    prepare: (b) => planOf(b, quarantinePod, { ...where, namespace: 'checkout', pod: suspect }),
    run: (b, planned) => quarantinePod.apply(b.context, planned as PlannedAction),
    cleanup: (b, planned) => quarantinePod.revert!(b.context, planned as PlannedAction),
  },
  'delete /pods': { prepare: (b) => planOf(b, replacePod, { ...where, namespace: 'default', pod: 'debug-shell' }), run: (b, planned) => replacePod.apply(b.context, planned as PlannedAction) },
  'get /pods/exec': { run: (b) => b.kube.execute('checkout', suspect, 'api', ['cat', '/proc/1/exe']) },
  // Needed from Kubernetes 1.35 on (AuthorizePodWebsocketUpgradeCreatePermission); before, WebSocket exec was authorized as get alone.
  'create /pods/exec': { neededFrom: 35, run: (b) => b.kube.execute('checkout', suspect, 'api', ['cat', '/proc/1/exe']) },
  'patch /pods/ephemeralcontainers': { run: (b) => b.kube.addEphemeralContainer('checkout', suspect, { name: 'scc-capture-probe', image: 'busybox:1.36', targetContainerName: 'api' }) },
  'get /nodes': { run: (b) => cordonNode.plan(b.context, { ...where, node }) },
  'patch /nodes': {
    prepare: (b) => planOf(b, cordonNode, { ...where, node }),
    run: (b, planned) => cordonNode.apply(b.context, planned as PlannedAction),
    cleanup: (b, planned) => cordonNode.revert!(b.context, planned as PlannedAction),
  },
  'get /namespaces': { run: (b) => b.kube.getNamespace('checkout') },
  'get /serviceaccounts': { run: (b) => b.kube.getServiceAccount('checkout', 'default') },
  'get apps/replicasets': { run: async (b) => b.kube.ownerChain(await b.admin.getPod('checkout', suspect)) },
  'get apps/deployments': { run: async (b) => b.kube.ownerChain(await b.admin.getPod('checkout', suspect)) },
  'list apps/replicasets': { run: (b) => rollbackWorkload.plan(b.context, { ...where, namespace: 'checkout', pod: suspect, container: 'api' }) },
  // The same template again: a write the API server authorizes, and a rollout of nothing.
  'patch apps/deployments': { prepare: (b) => b.admin.getDeployment('checkout', 'checkout-api'), run: (b, d) => b.kube.setDeploymentTemplate('checkout', 'checkout-api', (d as DeploymentInfo).template, d as DeploymentInfo) },
  'get apps/statefulsets': { run: async (b) => b.kube.ownerChain(await b.admin.getPod('checkout', 'ledger-db-0')) },
  'get apps/daemonsets': { run: async (b) => b.kube.ownerChain(await podOf(b, 'kube-system', 'app=node-agent')) },
  'get batch/jobs': { run: async (b) => b.kube.ownerChain(await podOf(b, 'checkout', 'job-name=nightly-reconcile')) },
  'get apps/deployments/scale': { run: (b) => scaleWorkloadToZero.plan(b.context, { ...where, namespace: 'checkout', pod: suspect }) },
  'patch apps/deployments/scale': { prepare: (b) => planOf(b, scaleWorkloadToZero, { ...where, namespace: 'checkout', pod: suspect }), run: (b, planned) => scaleWorkloadToZero.apply(b.context, planned as PlannedAction) },
  'get apps/statefulsets/scale': { run: (b) => scaleWorkloadToZero.plan(b.context, { ...where, namespace: 'checkout', pod: 'ledger-db-0' }) },
  'patch apps/statefulsets/scale': { prepare: (b) => planOf(b, scaleWorkloadToZero, { ...where, namespace: 'checkout', pod: 'ledger-db-0' }), run: (b, planned) => scaleWorkloadToZero.apply(b.context, planned as PlannedAction) },
  'get apps/replicasets/scale': { run: (b) => b.kube.readScale('ReplicaSet', 'checkout', 'checkout-api-7d9f8b6c5') },
  'patch apps/replicasets/scale': { run: (b) => b.kube.scale('ReplicaSet', 'checkout', 'checkout-api-7d9f8b6c5', 2) },
  'list networking.k8s.io/networkpolicies': { run: (b) => quarantinePod.plan(b.context, { ...where, namespace: 'checkout', pod: suspect }) },
  'create networking.k8s.io/networkpolicies': {
    prepare: (b) => planOf(b, quarantinePod, { ...where, namespace: 'checkout', pod: suspect }),
    run: (b, planned) => quarantinePod.apply(b.context, planned as PlannedAction),
    cleanup: (b, planned) => quarantinePod.revert!(b.context, planned as PlannedAction),
  },
  'delete networking.k8s.io/networkpolicies': {
    prepare: async (b) => {
      const planned = await planOf(b, quarantinePod, { ...where, namespace: 'checkout', pod: suspect });
      await quarantinePod.apply(b.context, planned);
      return planned;
    },
    run: (b, planned) => quarantinePod.revert!(b.context, planned as PlannedAction),
  },
};

/** Every grant of the manifest's ClusterRole, one verb on one resource each. */
function grants(rules: V1PolicyRule[]): { key: string; verb: string; group: string; resource: string }[] {
  return rules.flatMap((rule) => (rule.apiGroups ?? []).flatMap((group) => (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => ({ key: `${verb} ${group}/${resource}`, verb, group, resource })))));
}

const manifestRules = (rbacDocuments().find((d) => d.kind === 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules;

let backend: KubeBackend;
let serverMinor: number;

beforeAll(async () => {
  // Every probe must reach the API server: an owner read shared from an earlier probe would hide a missing grant.
  backend = await startRealBackend(undefined, { ownerReadTtlMs: 0 });
  serverMinor = Number((await backend.plane!.admin.makeApiClient(VersionApi).getCode()).minor.replace(/\D+$/, ''));
}, 120_000);

afterAll(async () => {
  await backend?.stop();
});

async function failureOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    const result = (await run()) as { status?: string; detail?: string } | undefined;
    return result?.status === 'failed' ? result.detail : undefined;
  } catch (error) {
    return error instanceof PermanentCloudError ? error.message : `not a permanent error: ${String(error)}`;
  }
}

async function allowed(verb: string, group: string, resource: string): Promise<boolean> {
  const [plural, subresource] = resource.split('/');
  const review = await backend.plane!.admin.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: { spec: { user: workerIdentity, resourceAttributes: { verb, group, resource: plural!, ...(subresource ? { subresource } : {}), namespace: 'checkout' } } },
  });
  return review.status?.allowed === true;
}

async function setRules(rules: V1PolicyRule[]): Promise<void> {
  const rbac = backend.plane!.admin.makeApiClient(RbacAuthorizationV1Api);
  const role = await rbac.readClusterRole({ name: 'scc-responder' });
  await rbac.replaceClusterRole({ name: 'scc-responder', body: { ...role, rules } });
}

test('every grant of the manifest has a probe, and no probe names a grant the manifest lacks', () => {
  expect(Object.keys(probes).sort()).toEqual(grants(manifestRules).map((g) => g.key).sort());
});

/** Scaling to zero stops pods the other probes read, so those two go last. */
const stopsPods = ['patch apps/statefulsets/scale', 'patch apps/deployments/scale'];

test('taking away any one grant makes what needs it fail, naming that grant; with it back, it works', async () => {
  const missing: string[] = [];
  const ordered = grants(manifestRules).sort((a, b) => stopsPods.indexOf(a.key) - stopsPods.indexOf(b.key));
  for (const grant of ordered) {
    const probe = probes[grant.key]!;
    const prepared = await probe.prepare?.(backend);
    const without = grants(manifestRules)
      .filter((g) => g.key !== grant.key)
      .map((g) => ({ apiGroups: [g.group], resources: [g.resource], verbs: [g.verb] }));
    await setRules(without);
    await eventually(async () => {
      if (await allowed(grant.verb, grant.group, grant.resource)) throw new Error('still allowed');
    }, 10_000, `${grant.key} to be taken away`);
    const failure = await failureOf(() => probe.run(backend, prepared));
    const named = `does not grant ${grant.verb} on ${grant.resource} in API group "${grant.group}"`;
    if ((probe.neededFrom ?? 0) > serverMinor) {
      // Kept for newer releases; this one does not ask for it, so taking it away must not matter.
      if (failure?.includes('does not grant')) missing.push(`${grant.key} (not asked for by 1.${serverMinor}): ${failure}`);
    } else if (!failure?.includes(named)) missing.push(`${grant.key}: ${failure ?? 'it worked'}`);

    await setRules(manifestRules);
    await eventually(async () => {
      if (!(await allowed(grant.verb, grant.group, grant.resource))) throw new Error('not yet');
    }, 10_000, `${grant.key} to be granted again`);
    const again = await failureOf(() => probe.run(backend, prepared));
    // With the grant, exec reaches the (simulated) node, which runs no containers: any failure but RBAC's.
    if (again?.includes('does not grant') || (again && !grant.key.endsWith('/pods/exec'))) missing.push(`${grant.key} with the grant back: ${again}`);
    await probe.cleanup?.(backend, prepared);
  }
  expect(missing).toEqual([]);
}, 180_000);
