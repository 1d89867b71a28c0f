import { preserveThenReplacePod } from '../../src/actions/preserve-then-replace-pod';
import { cordonNode } from '../../src/actions/cordon-node';
import { quarantineLabel, quarantineNames, quarantinePod } from '../../src/actions/quarantine-pod';
import { replacePod } from '../../src/actions/replace-pod';
import { scaleWorkloadToZero } from '../../src/actions/scale-workload-to-zero';
import { rollbackWorkload } from '../../src/actions/rollback-workload';
import { revokeWorkloadIdentity } from '../../src/actions/revoke-workload-identity';
import { loadScenario } from '../../src/lab/scenario';
import { MockActivityEnvironment } from '@temporalio/testing';
import { actActivities } from '../../src/activities/act';
import { blastRadius } from '../../src/activities/blast-radius';
import type { ActivityDeps } from '../../src/activities/deps';
import { CaseStore } from '../../src/cases/case-store';
import { EmbeddedDatabase } from '../../src/cases/database';
import { parseFindingObject } from '../../src/findings/parse';
import { InvalidTargetError } from '../../src/cloud';
import type { PlannedAction } from '../../src/workflows/shared';
import { backends, paymentsSubject, paymentsWhere, withBackend, type KubeBackend } from './backends';
import { eventually } from './scenario-cluster';

/**
 * The same tests of the containment actions, the blast radius, the owner chain and the Workload
 * Identity a pod holds (its service account and annotation as the cluster stores them) against the
 * lab's Kubernetes and against a real API server with its real controllers (kwok in place of
 * kubelets). Where they differ the real one is right. Against the real one the worker holds
 * exactly what deploy/kubernetes/rbac.yaml grants, so each test also proves the manifest enough.
 * Reading files out of containers (exec, ephemeral containers' output) stays on the lab: kwok
 * runs no containers.
 */

const where = paymentsWhere;
const suspect = 'checkout-api-7d9f8b6c5-x2k8q';
const sibling = 'checkout-api-7d9f8b6c5-lq4zp';
const node = 'gke-payments-prod-default-pool-3f2a1b7c-m4tn';
const plan = async (backend: KubeBackend, module: { plan: (c: KubeBackend['context'], p: never) => Promise<unknown> }, params: object) => (await module.plan(backend.context, params as never)) as PlannedAction;
const checkoutApi = async (b: KubeBackend) => (await b.kube.listPods('checkout', 'app=checkout-api')).filter((p) => p.phase === 'Running');
const writesDuring = async (b: KubeBackend, run: () => Promise<unknown>) => {
  const before = b.writes().length;
  await run();
  return b.writes().slice(before);
};

describe.each(backends)('against the %s API server', (_name, start) => {
  test('the owner chain: Deployment through its ReplicaSet, StatefulSet, DaemonSet, Job, and a bare pod', () =>
    withBackend(start, async (b) => {
      const chain = async (namespace: string, name: string) => (await b.kube.ownerChain(await b.kube.getPod(namespace, name))).map((o) => `${o.kind}/${o.name}`);
      expect(await chain('checkout', suspect)).toEqual(['ReplicaSet/checkout-api-7d9f8b6c5', 'Deployment/checkout-api']);
      expect(await chain('checkout', 'ledger-db-0')).toEqual(['StatefulSet/ledger-db']);
      const agent = (await b.kube.listPods('kube-system', 'app=node-agent'))[0]!;
      expect(await chain('kube-system', agent.name)).toEqual(['DaemonSet/node-agent']);
      const job = (await b.kube.listPods('checkout', 'job-name=nightly-reconcile'))[0]!;
      expect(await chain('checkout', job.name)).toEqual(['Job/nightly-reconcile']);
      expect(await chain('default', 'debug-shell')).toEqual([]);
      const owners = (await b.kube.ownerChain(await b.kube.getPod('checkout', suspect))).map((o) => [o.kind, o.replicas, o.selector]);
      expect(owners).toEqual([
        ['ReplicaSet', 2, { app: 'checkout-api', 'pod-template-hash': '7d9f8b6c5' }],
        ['Deployment', 2, { app: 'checkout-api' }],
      ]);
    }));

  test('the blast radius names the sibling pods of the same template', () =>
    withBackend(start, async (b) => {
      const radius = await blastRadius(b.clients, paymentsSubject('checkout', suspect, 'api'));
      expect(radius.owners?.map((o) => `${o.kind}/${o.name}`)).toEqual(['ReplicaSet/checkout-api-7d9f8b6c5', 'Deployment/checkout-api']);
      expect(radius.siblingPods).toEqual([sibling]);
      expect(radius.siblingPodCount).toBe(1);
    }));

  test('quarantine isolates exactly that pod while it keeps running, idempotently, and revert undoes it', () =>
    withBackend(start, async (b) => {
      const planned = await plan(b, quarantinePod, { ...where, namespace: 'checkout', pod: suspect });
      const names = quarantineNames((planned.target as { uid: string }).uid);
      expect(await quarantinePod.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      expect(await quarantinePod.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      const policies = (await b.kube.listNetworkPolicies('checkout')).filter((p) => p.metadata?.name === names.policy);
      expect(policies.map((p) => p.spec)).toEqual([{ podSelector: { matchLabels: { [quarantineLabel]: names.labelValue } }, policyTypes: ['Ingress', 'Egress'] }]);
      const selected = await b.kube.listPods('checkout', `${quarantineLabel}=${names.labelValue}`);
      expect(selected.map((p) => [p.name, p.phase])).toEqual([[suspect, 'Running']]);
      expect(await quarantinePod.revert!(b.context, planned)).toMatchObject({ status: 'applied' });
      expect((await b.kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
      expect((await b.kube.getPod('checkout', suspect)).labels[quarantineLabel]).toBeUndefined();
      expect(await quarantinePod.revert!(b.context, planned)).toMatchObject({ status: 'applied' });
    }));

  test('a pod changed since the plan is refused on its resourceVersion, and nothing is written', () =>
    withBackend(start, async (b) => {
      const quarantine = await plan(b, quarantinePod, { ...where, namespace: 'checkout', pod: sibling });
      const preserve = await plan(b, preserveThenReplacePod, { ...where, namespace: 'checkout', pod: sibling });
      const replace = await plan(b, replacePod, { ...where, namespace: 'checkout', pod: sibling });
      await b.admin.patchPodLabels('checkout', sibling, { touched: 'by-someone-else' });
      const writes = await writesDuring(b, async () => {
        for (const [module, planned] of [[quarantinePod, quarantine], [preserveThenReplacePod, preserve], [replacePod, replace]] as const) {
          expect(await module.apply(b.context, planned)).toMatchObject({ status: 'refused', detail: expect.stringContaining('a new decision is needed') });
        }
      });
      expect(writes).toEqual([]);
      expect((await b.kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
      expect((await b.kube.getPod('checkout', sibling)).uid).toBe((quarantine.target as { uid: string }).uid);
    }));

  test('a stale UID or resourceVersion precondition is refused by the server itself', () =>
    withBackend(start, async (b) => {
      const pod = await b.kube.getPod('checkout', sibling);
      await expect(b.kube.deletePod('checkout', sibling, { uid: '00000000-0000-0000-0000-000000000000' })).rejects.toThrow(/409|Precondition/i);
      await b.admin.patchPodLabels('checkout', sibling, { touched: 'yes' });
      await expect(b.kube.patchPodLabels('checkout', sibling, { more: 'x' }, pod.resourceVersion)).rejects.toThrow(/409|modified/i);
      expect((await b.kube.getPod('checkout', sibling)).uid).toBe(pod.uid);
    }));

  test('cordon stops the node taking new pods, says so when already done, and revert uncordons it', () =>
    withBackend(start, async (b) => {
      const planned = await plan(b, cordonNode, { ...where, node });
      expect(planned.effect).toContain('instance 5102938475610299911');
      expect(await cordonNode.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      expect((await b.kube.getNode(node)).unschedulable).toBe(true);
      expect(await cordonNode.apply(b.context, planned)).toMatchObject({ status: 'already-done' });
      expect(await cordonNode.plan(b.context, { ...where, node })).toEqual({ notApplicable: `node ${node} is already cordoned` });
      await cordonNode.revert!(b.context, planned);
      expect((await b.kube.getNode(node)).unschedulable).toBe(false);
    }));

  test('preserve-then-replace: the ReplicaSet releases the relabelled suspect, which keeps running isolated, and starts a replacement; revert puts it back', () =>
    withBackend(start, async (b) => {
      const planned = await plan(b, preserveThenReplacePod, { ...where, namespace: 'checkout', pod: suspect });
      expect(planned.target).toMatchObject({ kind: 'pod', replicaSet: 'checkout-api-7d9f8b6c5', releasedLabels: { app: 'checkout-api', 'pod-template-hash': '7d9f8b6c5' } });
      const uid = (planned.target as { uid: string }).uid;
      const names = quarantineNames(uid);
      const before = await checkoutApi(b);
      expect(await preserveThenReplacePod.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      // The ReplicaSet controller lets the relabelled pod go (drops its ownerReference) when it next syncs: on a busy cluster, not at once.
      const kept = await eventually(async () => {
        const pod = await b.kube.getPod('checkout', suspect);
        if (pod.owner) throw new Error(`still owned by ${pod.owner.kind}/${pod.owner.name}`);
        return pod;
      }, 30_000, 'the ReplicaSet to release the suspect');
      expect(kept).toMatchObject({ uid, phase: 'Running' });
      expect(kept.labels[quarantineLabel]).toBe(names.labelValue);
      expect(kept.labels.app).toBeUndefined();
      // The controller, not the action, starts the replacement: wait for it as one waits for a cluster.
      const replaced = await eventually(async () => {
        const pods = await b.kube.listPods('checkout', 'app=checkout-api,pod-template-hash=7d9f8b6c5');
        if (pods.filter((p) => p.phase === 'Running').length !== 2) throw new Error(`${pods.length} pods`);
        return pods;
      }, 30_000, 'the replacement');
      expect(replaced.map((p) => p.name)).not.toContain(suspect);
      expect(replaced.every((p) => p.owner?.kind === 'ReplicaSet')).toBe(true);
      expect((await b.kube.listNetworkPolicies('checkout')).find((p) => p.metadata?.name === names.policy)?.spec?.podSelector).toEqual({ matchLabels: { [quarantineLabel]: names.labelValue } });

      expect(await writesDuring(b, async () => expect(await preserveThenReplacePod.apply(b.context, planned)).toMatchObject({ status: 'already-done' }))).toEqual([]);

      expect(await preserveThenReplacePod.revert!(b.context, planned)).toMatchObject({ status: 'applied' });
      // Re-adopted, the ReplicaSet has one pod too many and removes the one it started last.
      const after = await eventually(async () => {
        const pods = await checkoutApi(b);
        if (pods.length !== 2 || !pods.every((p) => p.owner?.kind === 'ReplicaSet')) throw new Error(pods.map((p) => p.name).join(','));
        return pods;
      }, 30_000, 'the ReplicaSet to settle');
      expect(after.map((p) => p.uid).sort()).toEqual(before.map((p) => p.uid).sort());
      expect((await b.kube.getPod('checkout', suspect)).labels).toEqual(before.find((p) => p.name === suspect)!.labels);
      expect((await b.kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
    }));

  test('replace-pod deletes exactly the planned pod once, its ReplicaSet starts another, and a bare pod is said to stay gone', () =>
    withBackend(start, async (b) => {
      const planned = await plan(b, replacePod, { ...where, namespace: 'checkout', pod: suspect });
      const uid = (planned.target as { uid: string }).uid;
      const writes = await writesDuring(b, async () => {
        expect(await replacePod.apply(b.context, planned)).toMatchObject({ status: 'applied', detail: `deleted pod uid ${uid}; ReplicaSet/checkout-api-7d9f8b6c5 → Deployment/checkout-api replaces it` });
        expect(await replacePod.apply(b.context, planned)).toMatchObject({ status: 'already-done' });
      });
      expect(writes).toEqual([`delete pods checkout/${suspect}`]);
      const running = await eventually(async () => {
        const pods = await checkoutApi(b);
        if (pods.length !== 2 || pods.some((p) => p.uid === uid)) throw new Error(pods.map((p) => p.name).join(','));
        return pods;
      }, 30_000, 'the replacement');
      expect(running.map((p) => p.uid)).not.toContain(uid);
      const bare = await plan(b, replacePod, { ...where, namespace: 'default', pod: 'debug-shell' });
      expect(bare.effect).toContain('nothing recreates it (a bare pod)');
    }));

  test('scale to zero stops a StatefulSet, refuses a changed count, and revert brings the same number back', () =>
    withBackend(start, async (b) => {
      const planned = await plan(b, scaleWorkloadToZero, { ...where, namespace: 'checkout', pod: 'ledger-db-0' });
      expect(planned.target).toMatchObject({ kind: 'workload', workloadKind: 'StatefulSet', name: 'ledger-db', replicas: 1 });
      expect(await scaleWorkloadToZero.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      await eventually(async () => {
        if ((await b.kube.listPods('checkout')).some((p) => p.name === 'ledger-db-0')) throw new Error('still there');
      }, 30_000, 'ledger-db-0 to go');
      expect(await scaleWorkloadToZero.apply(b.context, planned)).toMatchObject({ status: 'already-done' });
      expect(await scaleWorkloadToZero.revert!(b.context, planned)).toMatchObject({ status: 'applied', detail: 'scaled back to 1' });
      await eventually(async () => {
        if ((await b.kube.getPod('checkout', 'ledger-db-0')).phase !== 'Running') throw new Error('not running');
      }, 30_000, 'ledger-db-0 to run again');
      await b.admin.scale('StatefulSet', 'checkout', 'ledger-db', 2);
      expect(await scaleWorkloadToZero.apply(b.context, planned)).toMatchObject({ status: 'refused', detail: expect.stringContaining('(1 → 2)') });
      expect(await b.kube.readScale('StatefulSet', 'checkout', 'ledger-db')).toMatchObject({ replicas: 2 });
    }));

  test('scale to zero has no count for a DaemonSet, and stops a Deployment, which revert brings back', () =>
    withBackend(start, async (b) => {
      const agent = (await b.kube.listPods('kube-system', 'app=node-agent'))[0]!;
      expect(await scaleWorkloadToZero.plan(b.context, { ...where, namespace: 'kube-system', pod: agent.name })).toEqual({
        notApplicable: `pod kube-system/${agent.name} is run by DaemonSet node-agent, which has no replica count to scale`,
      });
      const planned = await plan(b, scaleWorkloadToZero, { ...where, namespace: 'checkout', pod: suspect });
      expect(planned.effect).toContain('Scale Deployment checkout/checkout-api from 2 replica(s) to 0');
      expect(await scaleWorkloadToZero.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      await eventually(async () => {
        const left = await b.kube.listPods('checkout', 'app=checkout-api');
        if (left.length) throw new Error(`${left.length} left`);
      }, 30_000, 'the Deployment to stop');
      expect(await scaleWorkloadToZero.revert!(b.context, planned)).toMatchObject({ status: 'applied' });
      await eventually(async () => {
        if ((await checkoutApi(b)).length !== 2) throw new Error('not yet');
      }, 30_000, 'the Deployment to come back');
    }));

  test('rollback: a Deployment rolled out to a bad image goes back to the revision before it, and revert rolls it forward again', () =>
    withBackend(start, async (b) => {
      const good = 'us-docker.pkg.dev/acme-payments-prod/apps/checkout-api:1.14.2';
      const bad = 'us-docker.pkg.dev/acme-payments-prod/apps/checkout-api:1.15.0-rc1';
      const running = (image: string) => async () => {
        const pods = await checkoutApi(b);
        if (pods.length !== 2 || pods.some((p) => p.containers[0]!.image !== image)) throw new Error(`pods run ${pods.map((p) => p.containers[0]!.image).join(', ')}`);
      };
      // Somebody rolls out the bad image: revision 2.
      const before = await b.admin.getDeployment('checkout', 'checkout-api');
      const spec = before.template.spec!;
      await b.admin.setDeploymentTemplate('checkout', 'checkout-api', { ...before.template, spec: { ...spec, containers: spec.containers.map((c) => ({ ...c, image: bad })) } }, before);
      await eventually(running(bad), 60_000, 'the bad rollout');
      const suspectPod = (await checkoutApi(b))[0]!;

      const planned = await plan(b, rollbackWorkload, { ...where, namespace: 'checkout', pod: suspectPod.name, container: 'api' });
      expect(planned.target).toMatchObject({ kind: 'deployment-rollback', name: 'checkout-api', from: { image: bad }, to: { image: good, revision: 1 } });
      expect(await rollbackWorkload.apply(b.context, planned)).toMatchObject({ status: 'applied' });
      await eventually(running(good), 60_000, 'the rollback');
      expect(await rollbackWorkload.apply(b.context, planned)).toMatchObject({ status: 'already-done' });
      // The controller took the earlier ReplicaSet back (the same template), under the next revision.
      expect((await b.admin.getDeployment('checkout', 'checkout-api')).revision).toBe(3);

      expect(await rollbackWorkload.revert!(b.context, planned)).toMatchObject({ status: 'applied' });
      await eventually(running(bad), 60_000, 'the revert');
      // A write from a stale read is refused by the server itself (the patch tests the generation), not only by the action.
      await expect(b.kube.setDeploymentTemplate('checkout', 'checkout-api', before.template, before)).rejects.toMatchObject({ status: '422', retryable: false });
    }));

  test('Workload Identity: the account and its annotation come from the cluster, the binding is cut at the planned etag and put back, and the cluster is not written', () =>
    withBackend(start, async (b) => {
      const ledger = 'ledger-db@acme-payments-prod.iam.gserviceaccount.com';
      const member = 'serviceAccount:acme-payments-prod.svc.id.goog[checkout/ledger-db]';
      const members = () => b.lab.iam.accounts.get(ledger)!.bindings.find((x) => x.role === 'roles/iam.workloadIdentityUser')?.members ?? [];
      const writes = await writesDuring(b, async () => {
        const planned = await plan(b, revokeWorkloadIdentity, { ...where, namespace: 'checkout', pod: 'ledger-db-0' });
        expect(planned.target).toMatchObject({ kind: 'service-account-binding', serviceAccount: ledger, member, etag: b.lab.iam.accounts.get(ledger)!.etag, kubernetes: { namespace: 'checkout', serviceAccount: 'ledger-db' } });
        expect(await revokeWorkloadIdentity.apply(b.context, planned)).toMatchObject({ status: 'applied' });
        expect(members()).not.toContain(member);
        expect(await revokeWorkloadIdentity.apply(b.context, planned)).toMatchObject({ status: 'already-done' });
        expect(await revokeWorkloadIdentity.revert!(b.context, planned)).toMatchObject({ status: 'applied' });
        expect(members()).toContain(member);

        // The policy moves after the next plan: the cut is refused and the other change kept.
        const again = await plan(b, revokeWorkloadIdentity, { ...where, namespace: 'checkout', pod: 'ledger-db-0' });
        const policy = await b.clients.iam.getPolicy(ledger);
        await b.clients.iam.setPolicy(ledger, { ...policy, bindings: [...policy.bindings, { role: 'roles/iam.serviceAccountUser', members: ['user:oncall@acme.example'] }] });
        expect(await revokeWorkloadIdentity.apply(b.context, again)).toMatchObject({ status: 'refused', detail: expect.stringContaining('changed since the plan was approved') });
        expect(members()).toContain(member);
      });
      // Identity lives in IAM: the cluster is read (pod, service account), never written.
      expect(writes).toEqual([]);
      expect(await revokeWorkloadIdentity.plan(b.context, { ...where, namespace: 'default', pod: 'debug-shell' })).toEqual({
        notApplicable: 'service account default/default is not bound to a Google service account (no iam.gke.io/gcp-service-account annotation)',
      });
    }));

  test('Workload Identity: the blast radius of a shared account names the pods and workload the cluster runs as it', () =>
    withBackend(start, async (b) => {
      const planned = await plan(b, revokeWorkloadIdentity, { ...where, namespace: 'checkout', pod: suspect });
      const radius = await revokeWorkloadIdentity.blastRadius!(b.context, planned);
      expect(radius.identity).toEqual({
        serviceAccount: 'checkout-api@acme-payments-prod.iam.gserviceaccount.com',
        kubernetesServiceAccount: 'checkout/checkout-api',
        podsUsingIt: [sibling],
        workloadsUsingIt: ['Deployment checkout-api'],
        otherPrincipals: ['roles/iam.serviceAccountTokenCreator user:release-bot@acme.example'],
      });
    }));

  test('Workload Identity: a hostile annotation stored in the cluster reaches no IAM URL', () => {
    const scenario = loadScenario();
    const hostile = 'x@evil.example/../../v1/projects/-/serviceAccounts/y@z.iam.gserviceaccount.com';
    const clusters = scenario.clusters.map((c) => ({ ...c, serviceAccounts: c.serviceAccounts.map((a) => (a.name === 'ledger-db' ? { ...a, annotations: { 'iam.gke.io/gcp-service-account': hostile } } : a)) }));
    return withBackend(
      start,
      async (b) => {
        expect((await b.kube.getServiceAccount('checkout', 'ledger-db')).annotations['iam.gke.io/gcp-service-account']).toBe(hostile);
        await expect(revokeWorkloadIdentity.plan(b.context, { ...where, namespace: 'checkout', pod: 'ledger-db-0' })).rejects.toThrow(/is not a Google service account e-mail/);
      },
      { ...scenario, clusters },
    );
  });

  test('dry-run says what each action would do and writes nothing', () =>
    withBackend(start, async (b) => {
      const store = new CaseStore(await EmbeddedDatabase.open());
      try {
        await store.migrate();
        const finding = parseFindingObject(b.lab.scenario.findings.find((f) => String(f.finding.category).includes('Compiler') && String(f.finding.resourceName).includes('container.googleapis'))!).finding;
        await store.openCase({ caseId: 'case-dry-run', workflowId: 'wf-dry-run', runId: 'run-dry-run', subjectKey: 'dry-run', finding, dryRun: true, openedAt: new Date().toISOString() });
        const { applyAction } = actActivities({ clients: b.clients, store, notifier: b.context.notifier, decisionRules: { keys: [], fourEyes: false, autoContain: null } } as unknown as ActivityDeps);
        const planned = [
          await plan(b, quarantinePod, { ...where, namespace: 'checkout', pod: suspect }),
          await plan(b, preserveThenReplacePod, { ...where, namespace: 'checkout', pod: suspect }),
          await plan(b, replacePod, { ...where, namespace: 'checkout', pod: sibling }),
          await plan(b, scaleWorkloadToZero, { ...where, namespace: 'checkout', pod: 'ledger-db-0' }),
          await plan(b, cordonNode, { ...where, node }),
        ];
        const pods = await b.kube.listPods('checkout');
        const writes = await writesDuring(b, async () => {
          for (const action of planned) {
            const result = await new MockActivityEnvironment().run(applyAction, { caseId: 'case-dry-run', action, dryRun: true });
            expect(result).toMatchObject({ action: action.action, status: 'dry-run', detail: `would: ${action.effect}` });
          }
        });
        expect(writes).toEqual([]);
        expect((await b.kube.listPods('checkout')).map((p) => [p.name, p.resourceVersion])).toEqual(pods.map((p) => [p.name, p.resourceVersion]));
      } finally {
        await store.db.close();
      }
    }));

  test('an ephemeral container is added to the pod spec, sharing the target container', () =>
    withBackend(start, async (b) => {
      const updated = await b.kube.addEphemeralContainer('checkout', suspect, { name: 'scc-capture-1', image: 'busybox:1.36', targetContainerName: 'api' });
      expect(updated.ephemeralContainers).toEqual([expect.objectContaining({ name: 'scc-capture-1', image: 'busybox:1.36', targetContainerName: 'api' })]);
      expect((await b.kube.getPod('checkout', suspect)).ephemeralContainers.map((c) => c.name)).toEqual(['scc-capture-1']);
    }));

  test('NetworkPolicies are listed, created and deleted, and a hostile name never leaves', () =>
    withBackend(start, async (b) => {
      await b.kube.createNetworkPolicy('checkout', { metadata: { name: 'deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
      expect((await b.kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name).sort()).toEqual(['allow-frontend', 'deny-all']);
      await b.kube.deleteNetworkPolicy('checkout', 'deny-all');
      expect((await b.kube.listNetworkPolicies('checkout')).map((p) => p.metadata?.name)).toEqual(['allow-frontend']);
      const writes = b.writes().length;
      await expect(b.kube.deleteNetworkPolicy('checkout', '../../nodes/x')).rejects.toThrow(InvalidTargetError);
      expect(b.writes()).toHaveLength(writes);
    }));
});
