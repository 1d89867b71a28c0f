import type { KubernetesAdapter, PodInfo } from '../cloud/kubernetes';
import type { CloudClients } from '../cloud';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import { replacePod } from './replace-pod';

/**
 * replace-pod against what a real API server answers after it accepted a delete: the pod is
 * still there, terminating, its resourceVersion moved by the deletion mark. (The lab removes a
 * pod at once; a real kubelet takes the grace period, and a finalizer longer.)
 */

const target = { kind: 'pod', project: 'acme-payments-prod', location: 'us-central1', cluster: 'payments-prod', namespace: 'checkout', name: 'checkout-api-7d9f8b6c5-x2k8q', uid: 'uid-1', resourceVersion: '1014' };
const planned = { action: 'replace-pod', target, effect: '', destructive: true, permissions: [] } as unknown as PlannedAction;

function contextWith(pod: Partial<PodInfo>, deletes: string[]): ActionContext {
  const kube = {
    getPod: async () => ({ uid: 'uid-1', resourceVersion: '1014', namespace: 'checkout', name: target.name, labels: {}, annotations: {}, containers: [], ephemeralContainers: [], ...pod }),
    deletePod: async (namespace: string, name: string) => void deletes.push(`${namespace}/${name}`),
  } as unknown as KubernetesAdapter;
  return { clients: { kubernetes: () => kube } as unknown as CloudClients } as ActionContext;
}

test('a pod already terminating is already done, not "changed since the plan", and is not deleted again', async () => {
  const deletes: string[] = [];
  const result = await replacePod.apply(contextWith({ resourceVersion: '1020', deletionTimestamp: '2026-12-03T11:00:00.000Z' }, deletes), planned);
  expect(result).toMatchObject({ status: 'already-done', detail: 'pod uid uid-1 is being deleted (since 2026-12-03T11:00:00.000Z)' });
  expect(deletes).toEqual([]);
});

test('a pod changed some other way is still refused, and one as planned is deleted', async () => {
  const deletes: string[] = [];
  expect(await replacePod.apply(contextWith({ resourceVersion: '1020' }, deletes), planned)).toMatchObject({ status: 'refused' });
  expect(deletes).toEqual([]);
  expect(await replacePod.apply(contextWith({}, deletes), planned)).toMatchObject({ status: 'applied' });
  expect(deletes).toEqual(['checkout/checkout-api-7d9f8b6c5-x2k8q']);
});
