import type { ActionModule } from './action';
import { currentPod } from './current-pod';
import { gkePodOf, podParameters as parameters } from './parameters';
import { podActionTarget, podTarget } from './pod-target';
import { ensureDenyAllPolicy, podToIsolate, policiesStillAdmitting, quarantineLabel, quarantineNames, removeDenyAllPolicy, plannedPod, changedSincePlan } from './pod-isolation';

export { quarantineLabel, quarantineNames } from './pod-isolation';

/**
 * Isolates the suspect pod without killing it (the evidence keeps running): a quarantine label
 * and a deny-all ingress and egress NetworkPolicy that selects exactly that pod.
 */

export const quarantinePod: ActionModule<typeof parameters._output> = {
  name: 'quarantine-pod',
  description: 'Cut the suspect pod off the network (deny-all ingress and egress) while it keeps running for forensics.',
  permissions: ['kubernetes: get, patch pods', 'kubernetes: list, create, delete networkpolicies', 'iam: container.pods.update, container.networkPolicies.create, container.networkPolicies.delete, container.clusters.get'],
  destructive: true,
  parameters,
  parametersFrom: gkePodOf,
  preconditions: ['the pod exists', 'the cluster enforces NetworkPolicy (the addon or Dataplane V2)', 'at apply: it is still the planned pod (same UID and resourceVersion)'],

  async plan({ clients }, params) {
    const found = await podToIsolate(clients, params);
    if ('notApplicable' in found) return found;
    const { kube, pod } = found;
    const names = quarantineNames(pod.uid);
    const stillOpen = await policiesStillAdmitting(kube, pod, names.policy);
    return {
      action: 'quarantine-pod',
      target: podTarget(params, pod),
      effect:
        `Label pod ${params.namespace}/${params.pod} (uid ${pod.uid}) ${quarantineLabel}=${names.labelValue} and create NetworkPolicy ${names.policy} denying all its ingress and egress; the pod keeps running.` +
        (stillOpen.length > 0 ? ` Policies are additive: ${stillOpen.join(', ')} still admit the traffic they allow.` : ''),
      destructive: true,
      permissions: quarantinePod.permissions,
    };
  },

  async apply({ clients }, action) {
    const { target, label, kube } = podActionTarget(clients, action);
    const names = quarantineNames(target.uid);
    const found = await plannedPod(kube, target);
    if ('refusal' in found) return { action: 'quarantine-pod', target: label, status: 'refused', detail: found.refusal };
    const { pod } = found;
    if (pod.labels[quarantineLabel] !== names.labelValue) {
      if (pod.resourceVersion !== target.resourceVersion) {
        return { action: 'quarantine-pod', target: label, status: 'refused', detail: changedSincePlan(target.resourceVersion, pod.resourceVersion) };
      }
      await kube.patchPodLabels(target.namespace, target.name, { [quarantineLabel]: names.labelValue }, target.resourceVersion);
    }
    await ensureDenyAllPolicy(kube, target.namespace, target.uid);
    return { action: 'quarantine-pod', target: label, status: 'applied', detail: `labelled and isolated by NetworkPolicy ${names.policy}` };
  },

  async revert({ clients }, action) {
    const { target, label, kube } = podActionTarget(clients, action);
    const policy = await removeDenyAllPolicy(kube, target.namespace, target.uid);
    const pod = await currentPod(kube, target.namespace, target.name);
    if (pod?.uid === target.uid && pod.labels[quarantineLabel]) await kube.patchPodLabels(target.namespace, target.name, { [quarantineLabel]: null });
    return { action: 'quarantine-pod', target: label, status: 'applied', detail: `NetworkPolicy ${policy} and the quarantine label removed` };
  },
};

