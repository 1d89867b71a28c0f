import { z } from 'zod';
import { PermanentCloudError } from '../cloud/errors';
import type { ActionModule } from './action';
import { gkeNodeOf } from './parameters';

/** Stops new pods from landing on the node the suspect ran on; what runs there keeps running. */

const parameters = z.object({ project: z.string(), location: z.string(), cluster: z.string(), node: z.string() });

export const cordonNode: ActionModule<z.infer<typeof parameters>> = {
  name: 'cordon-node',
  description: 'Mark the node unschedulable, so nothing new is scheduled next to a possible escape.',
  permissions: ['kubernetes: get, patch nodes', 'iam: container.nodes.update, container.nodes.get'],
  destructive: true,
  parameters,
  parametersFrom: gkeNodeOf,
  preconditions: ['the node exists and is schedulable'],

  async plan({ clients }, params) {
    const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
    const node = await kube.getNode(params.node);
    if (node.unschedulable) return { notApplicable: `node ${params.node} is already cordoned` };
    return {
      action: 'cordon-node',
      target: { kind: 'node', project: params.project, location: params.location, cluster: params.cluster, name: params.node },
      effect: `Cordon node ${params.node} (instance ${node.instanceId ?? 'unknown'}) in cluster ${params.cluster}: running pods stay, new pods are scheduled elsewhere.`,
      destructive: true,
      permissions: cordonNode.permissions,
    };
  },

  async holds({ clients }, action) {
    const target = nodeTarget(action.target);
    return (await clients.kubernetes({ project: target.project, location: target.location, name: target.cluster }).getNode(target.name)).unschedulable === true;
  },

  async apply({ clients }, action) {
    const target = nodeTarget(action.target);
    const kube = clients.kubernetes({ project: target.project, location: target.location, name: target.cluster });
    if ((await kube.getNode(target.name)).unschedulable) return { action: 'cordon-node', target: target.name, status: 'already-done', detail: 'the node is cordoned' };
    await kube.setNodeUnschedulable(target.name, true);
    return { action: 'cordon-node', target: target.name, status: 'applied', detail: 'cordoned' };
  },

  async revert({ clients }, action) {
    const target = nodeTarget(action.target);
    await clients.kubernetes({ project: target.project, location: target.location, name: target.cluster }).setNodeUnschedulable(target.name, false);
    return { action: 'cordon-node', target: target.name, status: 'applied', detail: 'uncordoned' };
  },
};

function nodeTarget(target: Parameters<ActionModule<never>['apply']>[1]['target']) {
  if (target.kind !== 'node') throw new PermanentCloudError({ service: 'kubernetes', operation: 'cordon node', target: JSON.stringify(target) }, undefined, 'not a node target');
  return target;
}
