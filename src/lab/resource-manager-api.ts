import type { Router } from './http';
import { HttpError, googleError, json } from './http';
import type { Scenario } from './scenario';

/** Cloud Resource Manager v3 `projects.get`, by number or ID: how a finding that names its project by number gets its ID. */
export class ResourceManagerApi {
  constructor(private readonly scenario: Scenario) {}

  routes(router: Router): void {
    router.on('GET', /^\/v3\/projects\/([^/:]+)$/, (_request, [key]) => this.get(key!));
  }

  private get(key: string) {
    const project = this.scenario.projects.find((p) => p.number === key || p.id === key);
    // As the real API answers for a project that does not exist or is not visible: the same 403.
    if (!project) throw new HttpError(googleError(403, `Permission 'resourcemanager.projects.get' denied on resource '//cloudresourcemanager.googleapis.com/projects/${key}' (or it may not exist).`));
    return json(200, {
      name: `projects/${project.number}`,
      parent: `organizations/${this.scenario.organization}`,
      projectId: project.id,
      state: 'ACTIVE',
      displayName: project.id,
      createTime: '2025-03-01T08:00:00Z',
      etag: `W/"${project.number}"`,
    });
  }
}
