import { PermanentCloudError } from '../cloud/errors';
import type { ActionModule } from './action';
import { cloudRunServiceOf, cloudRunServiceParameters } from './parameters';

/**
 * Removes the suspect Cloud Run revision once no traffic reaches it, so nobody routes to it
 * again by tag or rollback. It cannot be undone: its configuration is in the case evidence.
 */

type Params = typeof cloudRunServiceParameters._output;

export const deleteRevision: ActionModule<Params> = {
  name: 'delete-revision',
  description: 'Delete the suspect Cloud Run revision after its traffic moved elsewhere; irreversible.',
  permissions: ['iam: run.services.get, run.revisions.list, run.revisions.delete'],
  destructive: true,
  parameters: cloudRunServiceParameters,
  parametersFrom: cloudRunServiceOf,
  preconditions: ['the revision exists', 'at apply: it serves no traffic (a traffic shift earlier in the plan moves it)'],

  async plan({ clients }, params) {
    const service = await clients.run.getService(params.project, params.region, params.service);
    const suspect = params.revision ?? service.latestReadyRevision;
    const revision = (await clients.run.listRevisions(params.project, params.region, params.service)).find((r) => r.name === suspect);
    if (!revision) return { notApplicable: `revision ${suspect} of service ${params.service} no longer exists` };
    const share = service.traffic.filter((t) => t.revision === suspect).reduce((sum, t) => sum + t.percent, 0);
    return {
      action: 'delete-revision',
      target: { kind: 'cloud-run-revision', project: params.project, region: params.region, service: params.service, revision: suspect, image: revision.image },
      effect:
        `Delete revision ${suspect} of service ${params.service} (image ${revision.image}) once it serves no traffic` +
        (share > 0 ? ` (it serves ${share}% now: a traffic shift earlier in this plan must move it, or the deletion is refused)` : '') +
        '. This cannot be undone; the revision’s configuration stays in the case evidence.',
      destructive: true,
      permissions: deleteRevision.permissions,
    };
  },

  async holds({ clients }, action) {
    const target = action.target;
    if (target.kind !== 'cloud-run-revision') return false;
    return !(await clients.run.listRevisions(target.project, target.region, target.service)).some((r) => r.name === target.revision);
  },

  async apply({ clients }, action) {
    const target = action.target;
    if (target.kind !== 'cloud-run-revision') throw new PermanentCloudError({ service: 'run', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a Cloud Run revision target');
    const label = `${target.project}/${target.region}/${target.service}/${target.revision}`;
    const service = await clients.run.getService(target.project, target.region, target.service);
    const share = service.traffic.filter((t) => t.revision === target.revision).reduce((sum, t) => sum + t.percent, 0);
    const exists = (await clients.run.listRevisions(target.project, target.region, target.service)).some((r) => r.name === target.revision);
    if (!exists) return { action: action.action, target: label, status: 'already-done', detail: `revision ${target.revision} is gone` };
    if (share > 0) return { action: action.action, target: label, status: 'refused', detail: `revision ${target.revision} still serves ${share}% of traffic: move it first` };
    try {
      await clients.run.deleteRevision(target.project, target.region, target.service, target.revision);
    } catch (error) {
      if (error instanceof PermanentCloudError && error.status === '404') return { action: action.action, target: label, status: 'already-done', detail: `revision ${target.revision} is gone` };
      throw error;
    }
    return { action: action.action, target: label, status: 'applied', detail: `deleted revision ${target.revision}` };
  },
};
