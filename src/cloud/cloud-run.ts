import { RevisionsClient, ServicesClient, type protos } from '@google-cloud/run';
import { cloudCall } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import { InvalidTargetError, type CloudErrorContext } from './errors';
import { timestampToIso } from '../util/timestamp';
import { checkName } from './validate';

/** Cloud Run Admin v2 through @google-cloud/run: services, revisions, traffic, revision deletes. */

export interface TrafficShare {
  revision: string;
  percent: number;
}

export interface ServiceInfo {
  name: string;
  uri: string;
  ingress: string;
  labels: Record<string, string>;
  etag: string;
  image: string;
  latestReadyRevision: string;
  traffic: TrafficShare[];
}

export const cloudRunIngress = ['INGRESS_TRAFFIC_ALL', 'INGRESS_TRAFFIC_INTERNAL_ONLY', 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER'] as const;
export type CloudRunIngress = (typeof cloudRunIngress)[number];

export interface RevisionInfo {
  name: string;
  createTime: string;
  image: string;
  /** The identity its containers run as; the project's default compute account when unset. */
  serviceAccount?: string;
}

export class CloudRunAdapter {
  private readonly services: ServicesClient;
  private readonly revisions: RevisionsClient;

  private readonly deadlineMs: number;
  /** A long-running operation (a new revision rolling out) gets longer than one request. */
  private readonly operationDeadlineMs: number;

  constructor(target: CloudTarget) {
    this.deadlineMs = requestTimeoutOf(target);
    this.operationDeadlineMs = 4 * this.deadlineMs;
    const options = googleClientOptions(target);
    this.services = new ServicesClient(options as ConstructorParameters<typeof ServicesClient>[0]);
    this.revisions = new RevisionsClient(options as ConstructorParameters<typeof RevisionsClient>[0]);
  }

  async getService(project: string, region: string, service: string): Promise<ServiceInfo> {
    const context = this.context('get service', project, region, service);
    const name = this.serviceName(project, region, service, context);
    const [found] = await cloudCall(context, this.deadlineMs, () => this.services.getService({ name }));
    return serviceInfo(found);
  }

  /** Revisions newest first. */
  async listRevisions(project: string, region: string, service: string): Promise<RevisionInfo[]> {
    const context = this.context('list revisions', project, region, service);
    const parent = this.serviceName(project, region, service, context);
    const [revisions] = await cloudCall(context, this.deadlineMs, () => this.revisions.listRevisions({ parent, pageSize: 100 }, { autoPaginate: false }));
    return revisions
      .map((revision) => ({
        name: String(revision.name ?? '').split('/').pop() ?? '',
        createTime: timestampToIso(revision.createTime),
        image: revision.containers?.[0]?.image ?? '',
        ...(revision.serviceAccount ? { serviceAccount: revision.serviceAccount } : {}),
      }))
      .sort((a, b) => b.createTime.localeCompare(a.createTime));
  }

  /** Replaces the traffic split; with `etag`, only if nobody changed the service since it was read. */
  async setTraffic(project: string, region: string, service: string, traffic: TrafficShare[], etag?: string): Promise<ServiceInfo> {
    const context = this.context('set traffic', project, region, service);
    const name = this.serviceName(project, region, service, context);
    for (const share of traffic) checkName('cloudRunRevision', share.revision, 'revision name', context);
    const [operation] = await cloudCall(context, this.deadlineMs, () =>
      this.services.updateService({
        service: {
          name,
          traffic: traffic.map((share) => ({ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: share.revision, percent: share.percent })),
          ...(etag ? { etag } : {}),
        },
        updateMask: { paths: ['traffic'] },
      }),
    );
    const [updated] = await cloudCall(context, this.operationDeadlineMs, () => operation.promise());
    return serviceInfo(updated as ServiceMessage);
  }

  /** Who may reach the service: INGRESS_TRAFFIC_ALL, _INTERNAL_ONLY or _INTERNAL_LOAD_BALANCER. */
  async setIngress(project: string, region: string, service: string, ingress: CloudRunIngress, etag?: string): Promise<ServiceInfo> {
    const context = this.context('set ingress', project, region, service);
    const name = this.serviceName(project, region, service, context);
    if (!cloudRunIngress.includes(ingress)) throw new InvalidTargetError(context, undefined, `unknown ingress setting ${JSON.stringify(ingress)}`);
    const [operation] = await cloudCall(context, this.deadlineMs, () => this.services.updateService({ service: { name, ingress, ...(etag ? { etag } : {}) }, updateMask: { paths: ['ingress'] } }));
    const [updated] = await cloudCall(context, this.operationDeadlineMs, () => operation.promise());
    return serviceInfo(updated as ServiceMessage);
  }

  async deleteRevision(project: string, region: string, service: string, revision: string): Promise<void> {
    const context = this.context('delete revision', project, region, `${service}/${revision}`);
    const parent = this.serviceName(project, region, service, context);
    checkName('cloudRunRevision', revision, 'revision name', context);
    const [operation] = await cloudCall(context, this.deadlineMs, () => this.revisions.deleteRevision({ name: `${parent}/revisions/${revision}` }));
    await cloudCall(context, this.operationDeadlineMs, () => operation.promise());
  }

  async close(): Promise<void> {
    await Promise.all([this.services.close(), this.revisions.close()]);
  }

  private serviceName(project: string, region: string, service: string, context: CloudErrorContext): string {
    checkName('projectId', project, 'project ID', context);
    checkName('location', region, 'region', context);
    checkName('cloudRunService', service, 'service name', context);
    return `projects/${project}/locations/${region}/services/${service}`;
  }

  private context(operation: string, project: string, region: string, target: string): CloudErrorContext {
    return { service: 'run', operation, target: `${project}/${region}/${target}` };
  }
}

type ServiceMessage = protos.google.cloud.run.v2.IService;

function serviceInfo(service: ServiceMessage): ServiceInfo {
  return {
    name: String(service.name ?? ''),
    uri: service.uri ?? '',
    ingress: String(service.ingress ?? ''),
    labels: (service.labels ?? {}) as Record<string, string>,
    etag: service.etag ?? '',
    image: service.template?.containers?.[0]?.image ?? '',
    latestReadyRevision: String(service.latestReadyRevision ?? '').split('/').pop() ?? '',
    traffic: (service.traffic ?? []).map((target) => ({ revision: target.revision ?? '(latest)', percent: target.percent ?? 0 })),
  };
}
