import { ProjectsClient } from '@google-cloud/resource-manager';
import { cloudCall } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import type { CloudErrorContext } from './errors';
import { checkName } from './validate';

/** Cloud Resource Manager v3 through @google-cloud/resource-manager: a project's ID from its number. */
export class ResourceManagerAdapter {
  private readonly client: ProjectsClient;
  private readonly deadlineMs: number;

  constructor(target: CloudTarget) {
    this.deadlineMs = requestTimeoutOf(target);
    this.client = new ProjectsClient(googleClientOptions(target) as ConstructorParameters<typeof ProjectsClient>[0]);
  }

  async projectId(projectNumber: string): Promise<string> {
    const context: CloudErrorContext = { service: 'resourcemanager', operation: 'get project', target: `projects/${projectNumber}` };
    checkName('projectNumber', projectNumber, 'project number', context);
    const [project] = await cloudCall(context, this.deadlineMs, () => this.client.getProject({ name: `projects/${projectNumber}` }));
    const id = String(project.projectId ?? '');
    checkName('projectId', id, 'project ID in the answer', context);
    return id;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
