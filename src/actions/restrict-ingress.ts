import { PermanentCloudError } from '../cloud/errors';
import type { CloudRunIngress } from '../cloud/cloud-run';
import type { PlannedAction } from '../workflows/shared';
import type { ActionModule } from './action';
import { cloudRunServiceOf, cloudRunServiceParameters } from './parameters';

/** Takes a Cloud Run service off the internet: only callers inside the VPC (and internal load balancers) reach it. */

type Params = typeof cloudRunServiceParameters._output;

const restricted: CloudRunIngress = 'INGRESS_TRAFFIC_INTERNAL_ONLY';

export const restrictIngress: ActionModule<Params> = {
  name: 'restrict-ingress',
  description: 'Set a Cloud Run service’s ingress to internal only; revert restores the setting it had.',
  permissions: ['iam: run.services.get, run.services.update, iam.serviceAccounts.actAs'],
  destructive: true,
  parameters: cloudRunServiceParameters,
  parametersFrom: cloudRunServiceOf,
  preconditions: ['the service accepts traffic from outside the VPC', 'at apply: its ingress is still the one planned'],

  async plan({ clients }, params) {
    const service = await clients.run.getService(params.project, params.region, params.service);
    if (service.ingress === restricted) return { notApplicable: `service ${params.service} already accepts internal traffic only` };
    return {
      action: 'restrict-ingress',
      target: { kind: 'cloud-run-ingress', project: params.project, region: params.region, service: params.service, fromIngress: service.ingress, toIngress: restricted },
      effect:
        `Change service ${params.service}'s ingress from ${service.ingress} to ${restricted}: ${service.uri} stops answering callers outside the VPC, for every revision of the service. ` +
        `Revert restores ${service.ingress}.`,
      destructive: true,
      permissions: restrictIngress.permissions,
    };
  },

  async holds({ clients }, action) {
    const target = ingressTarget(action);
    return (await clients.run.getService(target.project, target.region, target.service)).ingress === target.toIngress;
  },

  async apply({ clients }, action) {
    const target = ingressTarget(action);
    const label = `${target.project}/${target.region}/${target.service}`;
    // Compared on the ingress itself, not the etag: a traffic shift in the same plan changes the etag.
    const service = await clients.run.getService(target.project, target.region, target.service);
    if (service.ingress === target.toIngress) return { action: action.action, target: label, status: 'already-done', detail: `ingress is ${target.toIngress}` };
    if (service.ingress !== target.fromIngress) {
      return { action: action.action, target: label, status: 'refused', detail: `ingress changed since the plan was approved (${target.fromIngress} → ${service.ingress}): a new decision is needed` };
    }
    await clients.run.setIngress(target.project, target.region, target.service, target.toIngress as CloudRunIngress, service.etag);
    return { action: action.action, target: label, status: 'applied', detail: `ingress ${target.fromIngress} → ${target.toIngress}` };
  },

  async revert({ clients }, action) {
    const target = ingressTarget(action);
    const label = `${target.project}/${target.region}/${target.service}`;
    const service = await clients.run.getService(target.project, target.region, target.service);
    if (service.ingress === target.fromIngress) return { action: action.action, target: label, status: 'already-done', detail: `ingress is ${target.fromIngress}` };
    if (service.ingress !== target.toIngress) return { action: action.action, target: label, status: 'refused', detail: `ingress is ${service.ingress}, set by someone else since: left as it is` };
    await clients.run.setIngress(target.project, target.region, target.service, target.fromIngress as CloudRunIngress, service.etag);
    return { action: action.action, target: label, status: 'applied', detail: `ingress ${target.toIngress} → ${target.fromIngress}` };
  },
};

function ingressTarget(action: PlannedAction) {
  const target = action.target;
  if (target.kind !== 'cloud-run-ingress') throw new PermanentCloudError({ service: 'run', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a Cloud Run ingress target');
  return target;
}
