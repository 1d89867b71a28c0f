import { PermanentCloudError } from '../cloud/errors';
import type { KubernetesAdapter, PodInfo } from '../cloud/kubernetes';

/** The pod as it is now, or undefined when it is gone: a gone pod is an answer, not an error, to an action. */
export async function currentPod(kube: KubernetesAdapter, namespace: string, name: string): Promise<PodInfo | undefined> {
  try {
    return await kube.getPod(namespace, name);
  } catch (error) {
    if (error instanceof PermanentCloudError && error.status === '404') return undefined;
    throw error;
  }
}
