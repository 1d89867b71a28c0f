import { PermanentCloudError } from '../cloud/errors';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext, ActionModule } from './action';
import { givePodBack, isKept, keepPod, releasedLabelsOf } from './forensic-preservation';
import { gkePodOf, podParameters } from './parameters';
import { podActionTarget, podTarget } from './pod-target';
import { podToIsolate, policiesStillAdmitting, quarantineLabel, quarantineNames, plannedPod, changedSincePlan } from './pod-isolation';

/**
 * Keeps the suspect pod for forensics and still restores service: the pod is isolated, then
 * loses the labels its ReplicaSet selects on, so the ReplicaSet lets it go and starts a clean
 * replacement beside it. Services stop routing to it for the same reason.
 */

type Params = typeof podParameters._output;

export const preserveThenReplacePod: ActionModule<Params> = {
  name: 'preserve-then-replace-pod',
  description: 'Isolate the suspect pod and take it out of its ReplicaSet, so a clean replacement starts while the suspect is kept running for forensics.',
  permissions: [
    'kubernetes: get, patch pods',
    'kubernetes: get replicasets, deployments',
    'kubernetes: list, create, delete networkpolicies',
    'iam: container.pods.get, container.pods.update, container.replicaSets.get, container.networkPolicies.create, container.networkPolicies.delete, container.clusters.get',
  ],
  destructive: true,
  parameters: podParameters,
  parametersFrom: gkePodOf,
  preconditions: [
    'the pod exists and a ReplicaSet owns it (a Deployment’s pod)',
    'the cluster enforces NetworkPolicy (the addon or Dataplane V2)',
    'at apply: it is still the planned pod (same UID and resourceVersion)',
  ],

  async plan({ clients }, params) {
    const found = await podToIsolate(clients, params);
    if ('notApplicable' in found) return found;
    const { kube, pod } = found;
    const owners = await kube.ownerChain(pod);
    const replicaSet = owners[0];
    if (replicaSet?.kind !== 'ReplicaSet' || !replicaSet.selector) {
      const owner = replicaSet ? `${replicaSet.kind} ${replicaSet.name}` : 'no controller (a bare pod)';
      return { notApplicable: `pod ${params.namespace}/${params.pod} has ${owner}: only a ReplicaSet can start a replacement beside a preserved pod` };
    }
    const released = releasedLabelsOf(replicaSet.selector, pod.labels);
    const names = quarantineNames(pod.uid);
    const remaining = Object.fromEntries(Object.entries(pod.labels).filter(([key]) => !(key in released)));
    const stillOpen = await policiesStillAdmitting(kube, pod, names.policy, { ...remaining, [quarantineLabel]: names.labelValue });
    const image = pod.containers.map((c) => c.image).join(', ');
    const chain = owners.map((o) => `${o.kind}/${o.name}`).join(' → ');
    return {
      action: 'preserve-then-replace-pod',
      target: podTarget(params, pod, { owner: chain, replicaSet: replicaSet.name, releasedLabels: released }),
      effect:
        `Create NetworkPolicy ${names.policy} denying all ingress and egress of pod ${params.namespace}/${params.pod} (uid ${pod.uid}), then in one change label it ` +
        `${quarantineLabel}=${names.labelValue} and remove ${Object.entries(released).map(([k, v]) => `${k}=${v}`).join(', ')}: ReplicaSet ${replicaSet.name} lets it go and starts a clean replacement ` +
        `(same image: ${image}), Services stop routing to it, and the suspect keeps running, isolated, for forensics.` +
        (stillOpen.length > 0 ? ` Policies are additive: ${stillOpen.join(', ')} still admit the traffic they allow.` : '') +
        ' Revert lifts the isolation and gives the labels back, and the ReplicaSet then removes its youngest surplus pod.',
      destructive: true,
      permissions: preserveThenReplacePod.permissions,
    };
  },

  async apply({ clients }, action) {
    const { target, label, kube } = unpack(clients, action);
    const found = await plannedPod(kube, target);
    if ('refusal' in found) return { action: action.action, target: label, status: 'refused', detail: found.refusal };
    const { pod } = found;
    const done = isKept(pod.labels, target);
    if (!done && pod.resourceVersion !== target.resourceVersion) {
      return { action: action.action, target: label, status: 'refused', detail: changedSincePlan(target.resourceVersion, pod.resourceVersion) };
    }
    const policy = await keepPod(kube, target.namespace, target, done, target.resourceVersion);
    return { action: action.action, target: label, status: done ? 'already-done' : 'applied', detail: `isolated by NetworkPolicy ${policy} and released from ReplicaSet ${target.replicaSet}, which starts a replacement` };
  },

  async revert({ clients }, action) {
    const { target, label, kube } = unpack(clients, action);
    const { policy, givenBack } = await givePodBack(kube, target.namespace, target);
    const labels = Object.entries(target.releasedLabels).map(([k, v]) => `${k}=${v}`).join(', ');
    return {
      action: action.action,
      target: label,
      status: 'applied',
      detail: givenBack ? `labels ${labels} restored (ReplicaSet ${target.replicaSet} takes the pod back) and NetworkPolicy ${policy} removed` : `the preserved pod is gone; NetworkPolicy ${policy} removed`,
    };
  },
};

function unpack(clients: ActionContext['clients'], action: PlannedAction) {
  const { target, label, kube } = podActionTarget(clients, action);
  if (!target.releasedLabels || !target.replicaSet) {
    throw new PermanentCloudError({ service: 'kubernetes', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a preserve-then-replace pod target');
  }
  return { target: { ...target, releasedLabels: target.releasedLabels, replicaSet: target.replicaSet }, label, kube };
}
