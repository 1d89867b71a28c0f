import { PermanentCloudError } from '../cloud/errors';
import type { ScalableKind } from '../cloud/kubernetes';
import { z } from 'zod';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext, ActionModule } from './action';
import { currentPod } from './current-pod';
import { gkePodOf, podParameters } from './parameters';
import { planPreservation, preservationEffect, preservationPermissions, preservePods, preserveParameter, releasePreservedPods } from './forensic-preservation';

/**
 * Stops every pod of the suspect's workload, for when the image itself is the problem and a
 * replacement would run it again. Evidence is collected before containment, so nothing is lost.
 */

/** The suspect pod; or, once it is gone, the workload that ran it (found by the planner). */
const parameters = podParameters.extend({
  workload: z.object({ kind: z.enum(['Deployment', 'StatefulSet', 'ReplicaSet']), name: z.string() }).optional(),
  /** Pods of the workload to keep for forensics (isolated, released from their ReplicaSet) before it scales to zero. */
  preserve: preserveParameter,
});

type Params = typeof parameters._output;

export const scaleWorkloadToZero: ActionModule<Params> = {
  name: 'scale-workload-to-zero',
  description: 'Scale the Deployment or StatefulSet that runs the suspect pod to zero replicas; revert scales it back to the count it had.',
  permissions: [
    'kubernetes: get pods, replicasets',
    'kubernetes: get, patch deployments/scale, statefulsets/scale, replicasets/scale',
    'iam: container.pods.get, container.deployments.get, container.deployments.updateScale, container.statefulSets.get, container.statefulSets.updateScale, container.replicaSets.updateScale',
    ...preservationPermissions,
  ],
  destructive: true,
  parameters,
  parametersFrom: gkePodOf,
  preconditions: [
    'the pod belongs to a Deployment, StatefulSet or bare ReplicaSet',
    'at apply: the workload is the same object with the replica count planned',
    'pods kept for forensics: still there under the planned UID, in a cluster that enforces NetworkPolicy',
  ],

  async plan({ clients }, params) {
    const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
    if (params.workload) return planForWorkload(clients, params, params.workload);
    const pod = await currentPod(kube, params.namespace, params.pod);
    if (!pod) return { notApplicable: `pod ${params.namespace}/${params.pod} no longer exists` };
    const owners = await kube.ownerChain(pod);
    const top = owners.at(-1);
    if (!top || !['Deployment', 'StatefulSet', 'ReplicaSet'].includes(top.kind)) {
      return { notApplicable: `pod ${params.namespace}/${params.pod} is run by ${top ? `${top.kind} ${top.name}` : 'no controller'}, which has no replica count to scale` };
    }
    const kind = top.kind as ScalableKind;
    const scale = await kube.readScale(kind, params.namespace, top.name);
    if (scale.replicas === 0) return { notApplicable: `${kind} ${top.name} already runs zero replicas` };
    const pods = (await kube.listPods(params.namespace)).filter((p) => p.owner && (p.owner.uid === top.uid || owners.some((o) => o.uid === p.owner!.uid)));
    const kept = await planPreservation(clients, params, top, params.preserve ?? []);
    return {
      action: 'scale-workload-to-zero',
      target: { kind: 'workload', project: params.project, location: params.location, cluster: params.cluster, namespace: params.namespace, workloadKind: kind, name: top.name, uid: scale.uid, replicas: scale.replicas, ...(kept.pods.length ? { preserve: kept.pods } : {}) },
      effect:
        `Scale ${kind} ${params.namespace}/${top.name} from ${scale.replicas} replica(s) to 0 in cluster ${params.cluster}: its pods stop (${pods.map((p) => p.name).join(', ') || params.pod}), including the suspect, ` +
        `and the workload serves nothing until scaled back.${preservationEffect(params.namespace, kept.pods)}${kept.notes.length ? ` ${kept.notes.join('; ')}.` : ''} Revert scales it back to ${scale.replicas}${kept.pods.length ? ' and gives the kept pods back' : ''}.`,
      destructive: true,
      permissions: scaleWorkloadToZero.permissions,
    };
  },

  async apply({ clients }, action) {
    const { target, label, kube } = unpack(clients, action);
    const scale = await kube.readScale(target.workloadKind, target.namespace, target.name).catch(gone);
    if (!scale || scale.uid !== target.uid) return { action: action.action, target: label, status: 'refused', detail: `${target.workloadKind} uid ${target.uid} is gone: a new decision is needed` };
    if (scale.replicas === 0) return { action: action.action, target: label, status: 'already-done', detail: 'runs zero replicas' };
    if (scale.replicas !== target.replicas) {
      return { action: action.action, target: label, status: 'refused', detail: `the replica count changed since the plan was approved (${target.replicas} → ${scale.replicas}): a new decision is needed` };
    }
    // Kept before the scale-down: after it, the suspect's pods are gone.
    const kept = await preservePods(kube, target.namespace, target.preserve ?? []);
    await kube.scale(target.workloadKind, target.namespace, target.name, 0, target.uid);
    return { action: action.action, target: label, status: 'applied', detail: `scaled from ${target.replicas} to 0${kept.length ? `; ${kept.join('; ')}` : ''}` };
  },

  async current({ clients }, action) {
    const { target, kube } = unpack(clients, action);
    const scale = await kube.readScale(target.workloadKind, target.namespace, target.name).catch(gone);
    return scale?.uid === target.uid && scale.replicas === target.replicas;
  },

  async holds({ clients }, action) {
    const { target, kube } = unpack(clients, action);
    const scale = await kube.readScale(target.workloadKind, target.namespace, target.name).catch(gone);
    return scale?.uid === target.uid && scale.replicas === 0;
  },

  async revert({ clients }, action) {
    const { target, label, kube } = unpack(clients, action);
    const scale = await kube.readScale(target.workloadKind, target.namespace, target.name).catch(gone);
    if (!scale || scale.uid !== target.uid) return { action: action.action, target: label, status: 'refused', detail: `${target.workloadKind} uid ${target.uid} is gone: nothing to scale back` };
    if (scale.replicas !== 0) return { action: action.action, target: label, status: 'already-done', detail: `runs ${scale.replicas} replica(s): someone scaled it since` };
    await kube.scale(target.workloadKind, target.namespace, target.name, target.replicas, target.uid);
    const given = await releasePreservedPods(kube, target.namespace, target.preserve ?? []);
    return { action: action.action, target: label, status: 'applied', detail: `scaled back to ${target.replicas}${given.length ? `; ${given.join('; ')}` : ''}` };
  },
};

async function planForWorkload(clients: ActionContext['clients'], params: Params, workload: { kind: ScalableKind; name: string }): Promise<PlannedAction | { notApplicable: string }> {
  const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
  const scale = await kube.readScale(workload.kind, params.namespace, workload.name).catch(gone);
  if (!scale) return { notApplicable: `${workload.kind} ${params.namespace}/${workload.name} no longer exists` };
  if (scale.replicas === 0) return { notApplicable: `${workload.kind} ${workload.name} already runs zero replicas` };
  const kept = await planPreservation(clients, params, workload, params.preserve ?? []);
  return {
    action: 'scale-workload-to-zero',
    target: { kind: 'workload', project: params.project, location: params.location, cluster: params.cluster, namespace: params.namespace, workloadKind: workload.kind, name: workload.name, uid: scale.uid, replicas: scale.replicas, ...(kept.pods.length ? { preserve: kept.pods } : {}) },
    effect:
      `Scale ${workload.kind} ${params.namespace}/${workload.name} from ${scale.replicas} replica(s) to 0 in cluster ${params.cluster}: the suspect pod ${params.pod} is gone, and every pod it runs now comes from the same template, ` +
      `so they all stop and the workload serves nothing until scaled back.${preservationEffect(params.namespace, kept.pods)}${kept.notes.length ? ` ${kept.notes.join('; ')}.` : ''} Revert scales it back to ${scale.replicas}${kept.pods.length ? ' and gives the kept pods back' : ''}.`,
    destructive: true,
    permissions: scaleWorkloadToZero.permissions,
  };
}

function gone(error: unknown): undefined {
  if (error instanceof PermanentCloudError && error.status === '404') return undefined;
  throw error;
}

function unpack(clients: ActionContext['clients'], action: PlannedAction) {
  const target = action.target;
  if (target.kind !== 'workload') throw new PermanentCloudError({ service: 'kubernetes', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a workload target');
  return { target, label: `${target.cluster}/${target.namespace}/${target.workloadKind}/${target.name}`, kube: clients.kubernetes({ project: target.project, location: target.location, name: target.cluster }) };
}
