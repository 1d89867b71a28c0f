import { z } from 'zod';
import { PermanentCloudError } from '../cloud/errors';
import type { DeploymentInfo, KubernetesAdapter, PodTemplate } from '../cloud/kubernetes';
import type { PlannedAction } from '../workflows/shared';
import type { ActionContext, ActionModule } from './action';
import { currentPod } from './current-pod';
import type { ParameterSource } from './parameters';
import { podParameters } from './parameters';
import { planPreservation, preservationEffect, preservationPermissions, preservePods, preserveParameter, releasePreservedPods } from './forensic-preservation';

/**
 * Rolls the suspect's Deployment back to the newest earlier revision whose image for the
 * suspect's container differs from the one running now: the previous ReplicaSet's pod template
 * goes back into the Deployment, and its controller replaces every pod. Where the cause is the
 * image, replacing one pod only starts the same image again; this changes what every pod runs.
 * When no earlier revision runs another image, it does not apply (a playbook names
 * scale-workload-to-zero as the alternative).
 */

const parameters = podParameters.extend({
  /** The container the finding names: the one whose image is suspect. */
  container: z.string().optional(),
  /** The Deployment, when the planner knows it already (the suspect pod may be gone). */
  workload: z.object({ kind: z.literal('Deployment'), name: z.string() }).optional(),
  /** The suspect image, when the pod that ran it is gone (the finding's image URI). */
  image: z.string().optional(),
  /** Pods of the Deployment to keep for forensics (isolated, released from their ReplicaSet) before the rollout replaces the rest. */
  preserve: preserveParameter,
  /** Images no revision rolled back to may run: those the campaign's suspect pods ran, beside the one running now. */
  avoid: z.array(z.string()).max(50).optional(),
});

type Params = typeof parameters._output;
type Target = Extract<PlannedAction['target'], { kind: 'deployment-rollback' }>;

const templateHashLabel = 'pod-template-hash';

export const rollbackWorkload: ActionModule<Params> = {
  name: 'rollback-workload',
  description: "Roll the suspect's Deployment back to its newest earlier revision that runs another image (the previous ReplicaSet's pod template); revert puts the template it had back.",
  permissions: [
    'kubernetes: get pods, replicasets, deployments',
    'kubernetes: list replicasets',
    'kubernetes: patch deployments',
    'iam: container.pods.get, container.replicaSets.get, container.replicaSets.list, container.deployments.get, container.deployments.update',
    ...preservationPermissions,
  ],
  destructive: true,
  parameters,
  parametersFrom: rollbackParametersOf,
  preconditions: [
    'the pod belongs to a Deployment (through its ReplicaSet)',
    'an earlier revision of it runs another image in the suspect container',
    'at apply: the Deployment is the same object with the same spec (uid and generation) as planned',
    'pods kept for forensics: still there under the planned UID, in a cluster that enforces NetworkPolicy',
  ],

  async plan({ clients }, params) {
    const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
    const suspect = params.workload ? { name: params.workload.name, image: params.image } : await suspectOf(kube, params);
    if ('notApplicable' in suspect) return suspect;
    const { name } = suspect;
    const deployment = await kube.getDeployment(params.namespace, name).catch(gone);
    if (!deployment) return { notApplicable: `Deployment ${params.namespace}/${name} no longer exists` };
    const container = params.container ?? containersOf(deployment.template)[0]?.name;
    const image = containersOf(deployment.template).find((c) => c.name === container)?.image;
    if (!container || !image) return { notApplicable: `Deployment ${params.namespace}/${name} has no container ${params.container ?? ''} in its pod template` };
    // Only away from the image the suspect ran: a Deployment already moved off it is not rolled anywhere.
    if (suspect.image && suspect.image !== image) return { notApplicable: `Deployment ${params.namespace}/${name} no longer runs the suspect image ${suspect.image} in container ${container} (it runs ${image})` };
    const revisions = await kube.deploymentRevisions(deployment);
    const suspectImages = new Set([image, ...(params.avoid ?? [])]);
    const clean = revisions.find((r) => r.revision < deployment.revision && imageOf(r.template, container) !== undefined && !suspectImages.has(imageOf(r.template, container)!));
    if (!clean) {
      const earlier = revisions.filter((r) => r.revision < deployment.revision).map((r) => r.revision);
      const others = suspectImages.size > 1 ? ` or another image the suspects ran (${[...suspectImages].filter((i) => i !== image).join(', ')})` : '';
      return { notApplicable: `no earlier revision of Deployment ${params.namespace}/${name} runs another image in container ${container} than ${image}${others} (${earlier.length ? `revisions ${earlier.join(', ')} run it too` : 'it has no earlier revision'}): nothing clean to roll back to` };
    }
    const kept = await planPreservation(clients, params, { kind: 'Deployment', name }, params.preserve ?? []);
    const target: Target = {
      kind: 'deployment-rollback',
      project: params.project,
      location: params.location,
      cluster: params.cluster,
      namespace: params.namespace,
      name,
      uid: deployment.uid,
      generation: deployment.generation,
      replicas: deployment.replicas,
      container,
      from: { revision: deployment.revision, image, template: deployment.template as Record<string, unknown> },
      to: { revision: clean.revision, image: imageOf(clean.template, container)!, replicaSet: clean.name, template: withoutTemplateHash(clean.template) as Record<string, unknown> },
      ...(kept.pods.length ? { preserve: kept.pods } : {}),
    };
    return {
      action: 'rollback-workload',
      target,
      effect:
        `Roll Deployment ${params.namespace}/${name} in cluster ${params.cluster} back from revision ${deployment.revision} (container ${container}: ${image}) to revision ${clean.revision} (${target.to.image}, ReplicaSet ${clean.name}): ` +
        `its controller replaces all ${deployment.replicas} pod(s), the suspect among them, with pods from the earlier template.` +
        preservationEffect(params.namespace, kept.pods) +
        (kept.notes.length ? ` ${kept.notes.join('; ')}.` : '') +
        ` Revert puts revision ${deployment.revision}'s template back${kept.pods.length ? ' and gives the kept pods back to their ReplicaSet' : ''}.`,
      destructive: true,
      permissions: rollbackWorkload.permissions,
    };
  },

  async blastRadius(_context, action) {
    const target = rollbackTarget(action);
    return {
      owners: [{ kind: 'Deployment', name: target.name, replicas: target.replicas }],
      notes: [`${target.replicas} pod(s) of Deployment ${target.namespace}/${target.name} are replaced by pods running ${target.to.image} (revision ${target.to.revision}); whatever changed since that revision besides the image goes back with it`],
    };
  },

  async apply({ clients }, action) {
    const { target, label, kube } = unpack(clients, action);
    const deployment = await kube.getDeployment(target.namespace, target.name).catch(gone);
    if (!deployment || deployment.uid !== target.uid) return { action: action.action, target: label, status: 'refused', detail: `Deployment uid ${target.uid} is gone: a new decision is needed` };
    if (runs(deployment, target.container, target.to.image)) return { action: action.action, target: label, status: 'already-done', detail: `runs ${target.to.image} (revision ${deployment.revision})` };
    if (deployment.generation !== target.generation) return { action: action.action, target: label, status: 'refused', detail: changed(target, deployment) };
    // Kept before the rollout starts: after it, the suspect's pods are gone.
    const kept = await preservePods(kube, target.namespace, target.preserve ?? []);
    const keptDetail = kept.length ? `; ${kept.join('; ')}` : '';
    try {
      await kube.setDeploymentTemplate(target.namespace, target.name, target.to.template as PodTemplate, { uid: target.uid, generation: target.generation });
    } catch (error) {
      if (!(error instanceof PermanentCloudError && (error.status === '422' || error.status === '409'))) throw error;
      // The spec moved between our read and our write; it may have moved to where we were going.
      const now = await kube.getDeployment(target.namespace, target.name);
      if (runs(now, target.container, target.to.image)) return { action: action.action, target: label, status: 'already-done', detail: `runs ${target.to.image}: rolled back by a concurrent change${keptDetail}` };
      return { action: action.action, target: label, status: 'refused', detail: changed(target, now) };
    }
    return { action: action.action, target: label, status: 'applied', detail: `rolled back from revision ${target.from.revision} (${target.from.image}) to revision ${target.to.revision}'s template (${target.to.image})${keptDetail}` };
  },

  async current({ clients }, action) {
    const { target, kube } = unpack(clients, action);
    const deployment = await kube.getDeployment(target.namespace, target.name).catch(gone);
    return deployment?.uid === target.uid && deployment.generation === target.generation && runs(deployment, target.container, target.from.image);
  },

  async holds({ clients }, action) {
    const { target, kube } = unpack(clients, action);
    const deployment = await kube.getDeployment(target.namespace, target.name).catch(gone);
    return deployment?.uid === target.uid && runs(deployment, target.container, target.to.image);
  },

  async revert({ clients }, action) {
    const { target, label, kube } = unpack(clients, action);
    const deployment = await kube.getDeployment(target.namespace, target.name).catch(gone);
    if (!deployment || deployment.uid !== target.uid) return { action: action.action, target: label, status: 'refused', detail: `Deployment uid ${target.uid} is gone: nothing to put back` };
    if (runs(deployment, target.container, target.from.image)) return { action: action.action, target: label, status: 'already-done', detail: `runs ${target.from.image} again` };
    if (!runs(deployment, target.container, target.to.image)) {
      return { action: action.action, target: label, status: 'refused', detail: `it runs ${imageOf(deployment.template, target.container) ?? 'no such container'} now, neither image of the rollback: somebody changed it since; put it back by hand if that is still wanted` };
    }
    await kube.setDeploymentTemplate(target.namespace, target.name, target.from.template as PodTemplate, { uid: target.uid, generation: deployment.generation });
    const given = await releasePreservedPods(kube, target.namespace, target.preserve ?? []);
    return { action: action.action, target: label, status: 'applied', detail: `revision ${target.from.revision}'s template (${target.from.image}) put back${given.length ? `; ${given.join('; ')}` : ''}` };
  },
};

function rollbackParametersOf(source: ParameterSource): z.input<typeof parameters> | undefined {
  const { subject } = source.finding;
  return subject.runtime === 'gke' ? { project: subject.projectId, location: subject.location, cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod, container: subject.container } : undefined;
}

/** The Deployment that runs the pod (pod → ReplicaSet → Deployment) and the image the pod runs, or why there is none. */
async function suspectOf(kube: KubernetesAdapter, params: Params): Promise<{ name: string; image?: string } | { notApplicable: string }> {
  const pod = await currentPod(kube, params.namespace, params.pod);
  if (!pod) return { notApplicable: `pod ${params.namespace}/${params.pod} no longer exists` };
  const top = (await kube.ownerChain(pod)).at(-1);
  if (top?.kind !== 'Deployment') return { notApplicable: `pod ${params.namespace}/${params.pod} is run by ${top ? `${top.kind} ${top.name}` : 'no controller'}, which keeps no rollout history to roll back` };
  const container = params.container ? pod.containers.find((c) => c.name === params.container) : pod.containers[0];
  return { name: top.name, ...(container ? { image: container.image } : {}) };
}

function containersOf(template: PodTemplate): { name: string; image?: string }[] {
  return template.spec?.containers ?? [];
}

function imageOf(template: PodTemplate, container: string): string | undefined {
  return containersOf(template).find((c) => c.name === container)?.image;
}

function runs(deployment: DeploymentInfo, container: string, image: string): boolean {
  return imageOf(deployment.template, container) === image;
}

/** The ReplicaSet's template as the Deployment holds it: the controller adds the hash label itself. */
function withoutTemplateHash(template: PodTemplate): PodTemplate {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[templateHashLabel];
  return { ...template, metadata: { ...template.metadata, labels } };
}

function changed(target: Target, now: DeploymentInfo): string {
  return `the Deployment's spec changed since the plan was approved (generation ${target.generation} → ${now.generation}, running ${imageOf(now.template, target.container) ?? 'no such container'}): a new decision is needed`;
}

function gone(error: unknown): undefined {
  if (error instanceof PermanentCloudError && error.status === '404') return undefined;
  throw error;
}

function rollbackTarget(action: PlannedAction): Target {
  const target = action.target;
  if (target.kind !== 'deployment-rollback') throw new PermanentCloudError({ service: 'kubernetes', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a Deployment rollback target');
  return target;
}

function unpack(clients: ActionContext['clients'], action: PlannedAction) {
  const target = rollbackTarget(action);
  return { target, label: `${target.cluster}/${target.namespace}/Deployment/${target.name}`, kube: clients.kubernetes({ project: target.project, location: target.location, name: target.cluster }) };
}
