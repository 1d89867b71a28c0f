import { PermanentCloudError } from '../cloud/errors';
import type { ActionModule } from './action';
import { currentPod } from './current-pod';
import { gkePodOf, podParameters as parameters } from './parameters';
import { podActionTarget, podTarget } from './pod-target';

/** Deletes the compromised pod so its controller replaces it with a fresh one from the image. */

export const replacePod: ActionModule<typeof parameters._output> = {
  name: 'replace-pod',
  description: 'Delete the compromised pod, bound to its UID and resourceVersion, so its controller starts a clean replacement.',
  permissions: ['kubernetes: get, delete pods', 'kubernetes: get replicasets, deployments, statefulsets, daemonsets, jobs', 'iam: container.pods.delete, container.pods.get'],
  destructive: true,
  parameters,
  parametersFrom: gkePodOf,
  preconditions: ['the pod exists', 'at apply: it is still the planned pod (same UID and resourceVersion)'],

  async plan({ clients }, params) {
    const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
    const pod = await currentPod(kube, params.namespace, params.pod);
    if (!pod) return { notApplicable: `pod ${params.namespace}/${params.pod} no longer exists: nothing to replace` };
    const owners = await kube.ownerChain(pod);
    const chain = owners.map((o) => `${o.kind}/${o.name}`).join(' → ');
    const image = pod.containers.map((c) => c.image).join(', ');
    const top = owners.at(-1);
    const consequence = !top
      ? 'nothing recreates it (a bare pod): the workload stops until someone redeploys it'
      : top.kind === 'Job'
        ? `its Job ${top.name} may start another pod to finish its work`
        : top.kind === 'StatefulSet'
          ? `StatefulSet ${top.name} recreates it under the same name`
          : `${chain} starts a replacement`;
    return {
      action: 'replace-pod',
      target: podTarget(params, pod, chain ? { owner: chain } : {}),
      effect: `Delete pod ${params.namespace}/${params.pod} (uid ${pod.uid}, resourceVersion ${pod.resourceVersion}) in cluster ${params.cluster}; ${consequence}. The replacement runs the same image (${image}): if the image carries the problem, rebuild it.`,
      destructive: true,
      permissions: replacePod.permissions,
    };
  },

  async holds({ clients }, action) {
    const { target, kube } = podActionTarget(clients, action);
    const current = await currentPod(kube, target.namespace, target.name);
    return !current || current.uid !== target.uid || Boolean(current.deletionTimestamp);
  },

  async apply({ clients }, action) {
    const { target, label, kube } = podActionTarget(clients, action);
    const current = await currentPod(kube, target.namespace, target.name);
    if (!current) return { action: 'replace-pod', target: label, status: 'already-done', detail: `pod uid ${target.uid} is gone` };
    if (current.uid !== target.uid) return { action: 'replace-pod', target: label, status: 'already-done', detail: `pod uid ${target.uid} is gone; ${current.uid} now has the name` };
    // A delete already accepted (this one, retried, or anyone's) moves the resourceVersion as it marks the pod: that is done, not changed.
    if (current.deletionTimestamp) return { action: 'replace-pod', target: label, status: 'already-done', detail: `pod uid ${target.uid} is being deleted (since ${current.deletionTimestamp})` };
    if (current.resourceVersion !== target.resourceVersion) {
      return { action: 'replace-pod', target: label, status: 'refused', detail: `the pod changed since the plan was approved (resourceVersion ${target.resourceVersion} → ${current.resourceVersion}): a new decision is needed` };
    }
    try {
      await kube.deletePod(target.namespace, target.name, { uid: target.uid, resourceVersion: target.resourceVersion });
    } catch (error) {
      if (error instanceof PermanentCloudError && error.status === '404') return { action: 'replace-pod', target: label, status: 'already-done', detail: `pod uid ${target.uid} is gone` };
      if (error instanceof PermanentCloudError && error.status === '409') {
        return { action: 'replace-pod', target: label, status: 'refused', detail: `the pod changed while being deleted: ${error.message}` };
      }
      throw error;
    }
    return { action: 'replace-pod', target: label, status: 'applied', detail: `deleted pod uid ${target.uid}${target.owner ? `; ${target.owner} replaces it` : ''}` };
  },
};
