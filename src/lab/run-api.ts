import { randomUUID } from 'node:crypto';
import type { Router} from './http';
import { HttpError, googleError, json, readJson, type LabRequest } from './http';
import type { Scenario } from './scenario';

/** Cloud Run Admin v2: services, revisions, traffic updates and revision deletes, as long-running operations. */

type TrafficTarget = { type?: string; revision?: string; percent?: number; tag?: string };

interface StoredService {
  service: Record<string, unknown>;
  revisions: Record<string, unknown>[];
}

export class RunApi {
  private readonly services = new Map<string, StoredService>();
  private readonly operations = new Map<string, Record<string, unknown>>();

  constructor(scenario: Scenario) {
    for (const spec of scenario.cloudRun) {
      const name = `projects/${spec.project}/locations/${spec.region}/services/${spec.service}`;
      const revisions = spec.revisions.map((revision, index) => ({
        name: `${name}/revisions/${revision.name}`,
        uid: randomUUID(),
        generation: String(index + 1),
        service: name,
        createTime: revision.createTime,
        labels: spec.labels,
        containers: [{ name: `${spec.service}-1`, image: revision.image }],
        ...(revision.serviceAccount ? { serviceAccount: revision.serviceAccount } : {}),
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        conditions: [{ type: 'Ready', state: 'CONDITION_SUCCEEDED' }],
        etag: `"${randomUUID()}"`,
      }));
      const latest = spec.revisions.at(-1)!;
      this.services.set(name, {
        revisions,
        service: {
          name,
          uid: randomUUID(),
          generation: String(spec.revisions.length),
          labels: spec.labels,
          createTime: spec.revisions[0]!.createTime,
          updateTime: latest.createTime,
          ingress: spec.ingress,
          launchStage: 'GA',
          template: { containers: [{ name: `${spec.service}-1`, image: latest.image }], executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2' },
          traffic: spec.traffic.map((t) => ({ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: t.revision, percent: t.percent })),
          trafficStatuses: spec.traffic.map((t) => ({ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: t.revision, percent: t.percent })),
          latestReadyRevision: `${name}/revisions/${latest.name}`,
          latestCreatedRevision: `${name}/revisions/${latest.name}`,
          uri: `https://${spec.service}-${spec.project.length}lab-${spec.region}.a.run.app`,
          observedGeneration: String(spec.revisions.length),
          etag: `"${randomUUID()}"`,
        },
      });
    }
  }

  routes(router: Router): void {
    const service = '(projects/[^/]+/locations/[^/]+/services/[^/]+)';
    router.on('GET', new RegExp(`^/v2/${service}$`), (_r, [n]) => json(200, this.service(n!).service));
    router.on('PATCH', new RegExp(`^/v2/${service}$`), (request, [n]) => this.update(request, n!));
    router.on('GET', new RegExp(`^/v2/${service}/revisions$`), (_r, [n]) => json(200, { revisions: this.service(n!).revisions }));
    router.on('GET', new RegExp(`^/v2/${service}/revisions/([^/]+)$`), (_r, [n, r]) => json(200, this.revision(n!, r!)));
    router.on('DELETE', new RegExp(`^/v2/${service}/revisions/([^/]+)$`), (_r, [n, r]) => this.deleteRevision(n!, r!));
    router.on('GET', /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+)$/, (_r, [n]) => {
      const operation = this.operations.get(n!);
      if (!operation) throw new HttpError(googleError(404, `Operation ${n} not found.`));
      return json(200, operation);
    });
  }

  private service(name: string): StoredService {
    const stored = this.services.get(name);
    if (!stored) throw new HttpError(googleError(404, `Resource '${name.split('/').pop()}' of kind 'SERVICE' in region '${name.split('/')[3]}' in project '${name.split('/')[1]}' does not exist.`));
    return stored;
  }

  private revision(service: string, revision: string): Record<string, unknown> {
    const found = this.service(service).revisions.find((r) => r.name === `${service}/revisions/${revision}`);
    if (!found) throw new HttpError(googleError(404, `Resource '${revision}' of kind 'REVISION' does not exist.`));
    return found;
  }

  /** Only traffic, labels and ingress change here: what the containment actions touch. */
  private update(request: LabRequest, name: string) {
    const stored = this.service(name);
    const body = readJson(request) as { traffic?: TrafficTarget[]; labels?: Record<string, string>; ingress?: string; etag?: string };
    if (body.etag && body.etag !== stored.service.etag) {
      throw new HttpError(googleError(409, 'The service has been modified since it was read (etag mismatch).', 'ABORTED'));
    }
    if (body.traffic) {
      const total = body.traffic.reduce((sum, t) => sum + (t.percent ?? 0), 0);
      if (total !== 100) throw new HttpError(googleError(400, `Traffic percentages must add up to 100, got ${total}.`));
      for (const target of body.traffic) {
        const isLatest = target.type === 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
        if (!isLatest && !stored.revisions.some((r) => String(r.name).endsWith(`/revisions/${target.revision}`))) {
          throw new HttpError(googleError(400, `Revision '${target.revision}' does not exist.`));
        }
      }
      const traffic = body.traffic.map((t) => ({ type: t.type ?? 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', ...(t.revision ? { revision: t.revision } : {}), percent: t.percent ?? 0 }));
      stored.service.traffic = traffic;
      stored.service.trafficStatuses = traffic;
    }
    if (body.labels) stored.service.labels = body.labels;
    if (body.ingress) stored.service.ingress = body.ingress;
    stored.service.generation = String(Number(stored.service.generation) + 1);
    stored.service.observedGeneration = stored.service.generation;
    stored.service.updateTime = new Date().toISOString();
    stored.service.etag = `"${randomUUID()}"`;
    return json(200, this.operation(name, 'google.cloud.run.v2.Service', stored.service));
  }

  private deleteRevision(service: string, revision: string) {
    const stored = this.service(service);
    const found = this.revision(service, revision);
    const serving = (stored.service.traffic as TrafficTarget[]).some((t) => t.revision === revision && (t.percent ?? 0) > 0);
    if (serving) throw new HttpError(googleError(412, `Revision ${revision} is currently serving traffic. Move traffic away from it before deleting it.`, 'FAILED_PRECONDITION'));
    stored.revisions = stored.revisions.filter((r) => r !== found);
    return json(200, this.operation(service, 'google.cloud.run.v2.Revision', found));
  }

  /** Operations finish at once in the lab; clients still poll them as in production. */
  private operation(resource: string, type: string, response: Record<string, unknown>): Record<string, unknown> {
    const [, project, , location] = resource.split('/');
    const name = `projects/${project}/locations/${location}/operations/${randomUUID()}`;
    const operation = {
      name,
      metadata: { '@type': `type.googleapis.com/${type}`, ...response },
      done: true,
      response: { '@type': `type.googleapis.com/${type}`, ...response },
    };
    this.operations.set(name, operation);
    return operation;
  }
}
