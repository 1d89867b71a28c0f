import { PermanentCloudError } from '../cloud/errors';
import type { PodInfo } from '../cloud/kubernetes';
import type { ActionTarget, PlannedAction } from '../workflows/shared';
import type { ActionContext } from './action';
import type { podParameters } from './parameters';

/** The pod an action is bound to: exactly this UID at this resourceVersion, and back again at apply. */

type PodTarget = Extract<ActionTarget, { kind: 'pod' }>;

export function podTarget(params: typeof podParameters._output, pod: PodInfo, extra: Pick<PodTarget, 'owner' | 'replicaSet' | 'releasedLabels'> = {}): PodTarget {
  return {
    kind: 'pod',
    project: params.project,
    location: params.location,
    cluster: params.cluster,
    namespace: params.namespace,
    name: params.pod,
    uid: pod.uid,
    resourceVersion: pod.resourceVersion,
    ...extra,
  };
}

/** The planned pod target, a label for results, and its cluster's client; anything else is refused. */
export function podActionTarget(clients: ActionContext['clients'], action: PlannedAction) {
  const target = action.target;
  if (target.kind !== 'pod') throw new PermanentCloudError({ service: 'kubernetes', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a pod target');
  return { target, label: `${target.cluster}/${target.namespace}/${target.name}`, kube: clients.kubernetes({ project: target.project, location: target.location, name: target.cluster }) };
}
