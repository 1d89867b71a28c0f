import { PermanentCloudError } from '../cloud/errors';
import type { ActionModule } from './action';
import { cloudRunServiceOf, cloudRunServiceParameters as parameters } from './parameters';

/** Moves a Cloud Run service's traffic off the suspect revision to the newest older one that runs another image. */


export const shiftTraffic: ActionModule<typeof parameters._output> = {
  name: 'shift-traffic-to-previous-revision',
  description: 'Send all of a Cloud Run service’s traffic to the newest revision before the suspect one that runs another image.',
  permissions: ['iam: run.services.get, run.services.update, run.revisions.list, iam.serviceAccounts.actAs'],
  destructive: true,
  parameters,
  parametersFrom: cloudRunServiceOf,
  preconditions: ['the suspect revision serves traffic', 'an older revision that runs another image exists to take it', 'at apply: the service is unchanged since the plan (same etag)'],

  async plan({ clients }, params) {
    const service = await clients.run.getService(params.project, params.region, params.service);
    const suspect = params.revision ?? service.latestReadyRevision;
    const share = service.traffic.filter((t) => t.revision === suspect).reduce((sum, t) => sum + t.percent, 0);
    if (share === 0) return { notApplicable: `revision ${suspect} serves no traffic of service ${params.service}` };
    const revisions = await clients.run.listRevisions(params.project, params.region, params.service);
    const suspectRevision = revisions.find((r) => r.name === suspect);
    const suspectCreated = suspectRevision?.createTime ?? '';
    const older = revisions.filter((r) => r.name !== suspect && (!suspectCreated || r.createTime < suspectCreated));
    // The newest older revision that runs another image: one that only changed settings runs the suspect code too.
    const previous = older.find((r) => !suspectRevision?.image || r.image !== suspectRevision.image);
    if (!previous) {
      return { notApplicable: older.length ? `every revision of service ${params.service} older than ${suspect} runs its image ${suspectRevision?.image ?? ''} too: no clean revision to move traffic to` : `service ${params.service} has no revision older than ${suspect} to move traffic to` };
    }
    return {
      action: 'shift-traffic-to-previous-revision',
      target: { kind: 'cloud-run-service', project: params.project, region: params.region, service: params.service, fromRevision: suspect, toRevision: previous.name, etag: service.etag, previousTraffic: service.traffic },
      effect: `Move 100% of service ${params.service}'s traffic (now ${share}% on ${suspect}) to revision ${previous.name} (image ${previous.image}), if the service is unchanged since the plan (etag ${service.etag}). Revision ${suspect} stays deployed for forensics. Revert restores today's split (${service.traffic.map((t) => `${t.revision} ${t.percent}%`).join(', ')}).`,
      destructive: true,
      permissions: shiftTraffic.permissions,
    };
  },

  async apply({ clients }, action) {
    const target = action.target;
    if (target.kind !== 'cloud-run-service') throw new PermanentCloudError({ service: 'run', operation: 'shift traffic', target: JSON.stringify(target) }, undefined, 'not a Cloud Run target');
    const label = `${target.project}/${target.region}/${target.service}`;
    const service = await clients.run.getService(target.project, target.region, target.service);
    if (service.traffic.length === 1 && service.traffic[0]!.revision === target.toRevision && service.traffic[0]!.percent === 100) {
      return { action: action.action, target: label, status: 'already-done', detail: `all traffic is on ${target.toRevision}` };
    }
    if (service.etag !== target.etag) {
      return { action: action.action, target: label, status: 'refused', detail: `the service changed since the plan was approved (etag ${target.etag} → ${service.etag}): a new decision is needed` };
    }
    await clients.run.setTraffic(target.project, target.region, target.service, [{ revision: target.toRevision, percent: 100 }], target.etag);
    return { action: action.action, target: label, status: 'applied', detail: `100% of traffic moved from ${target.fromRevision} to ${target.toRevision}` };
  },

  async current({ clients }, action) {
    const target = action.target;
    if (target.kind !== 'cloud-run-service') return false;
    return (await clients.run.getService(target.project, target.region, target.service)).etag === target.etag;
  },

  async holds({ clients }, action) {
    const target = action.target;
    if (target.kind !== 'cloud-run-service') return false;
    const service = await clients.run.getService(target.project, target.region, target.service);
    return service.traffic.length === 1 && service.traffic[0]!.revision === target.toRevision && service.traffic[0]!.percent === 100;
  },

  async revert({ clients }, action) {
    const target = action.target;
    if (target.kind !== 'cloud-run-service' || !target.previousTraffic) {
      throw new PermanentCloudError({ service: 'run', operation: 'restore traffic', target: JSON.stringify(target) }, undefined, 'the plan did not record the traffic split to restore');
    }
    const label = `${target.project}/${target.region}/${target.service}`;
    const service = await clients.run.getService(target.project, target.region, target.service);
    const same = (a: { revision: string; percent: number }[], b: { revision: string; percent: number }[]) => JSON.stringify(a) === JSON.stringify(b);
    if (same(service.traffic, target.previousTraffic)) return { action: action.action, target: label, status: 'already-done', detail: 'the traffic split is restored' };
    if (!same(service.traffic, [{ revision: target.toRevision, percent: 100 }])) {
      return { action: action.action, target: label, status: 'refused', detail: 'the traffic split changed since containment: left as it is' };
    }
    await clients.run.setTraffic(target.project, target.region, target.service, target.previousTraffic, service.etag);
    return { action: action.action, target: label, status: 'applied', detail: `traffic restored: ${target.previousTraffic.map((t) => `${t.revision} ${t.percent}%`).join(', ')}` };
  },
};
