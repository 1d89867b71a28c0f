import { v2 } from '@google-cloud/security-center';
import type { Subject } from '../findings/model';
import { cloudCall } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import { fromGoogleError, type CloudErrorContext } from './errors';
import { checkName, quoteFilterValue } from './validate';

/** Security Command Center v2 through @google-cloud/security-center. */

export interface FindingResult {
  /** As the client returns it: the shape finding intake parses (parseFindingObject). */
  finding: Record<string, unknown>;
  resource: Record<string, unknown>;
}

const parentPattern = /^(organizations|folders|projects)\/[a-z0-9][-a-z0-9.:]{0,93}\/sources\/(-|[0-9]{1,20})(\/locations\/[a-z][-a-z0-9]{0,62})?$/;
const findingNamePattern = /^(organizations|folders|projects)\/[a-z0-9][-a-z0-9.:]{0,93}\/sources\/[0-9]{1,20}(\/locations\/[a-z][-a-z0-9]{0,62})?\/findings\/[A-Za-z0-9_-]{1,64}$/;

export class SccAdapter {
  private readonly client: InstanceType<typeof v2.SecurityCenterClient>;
  private readonly deadlineMs: number;

  constructor(target: CloudTarget) {
    this.deadlineMs = requestTimeoutOf(target);
    // This client bundles an older google-auth-library; the auth client is used only for its request headers.
    this.client = new v2.SecurityCenterClient(googleClientOptions(target) as ConstructorParameters<typeof v2.SecurityCenterClient>[0]);
  }

  /** One bounded read: at most `maxResults` findings, in pages the server sizes. */
  async listFindings(parent: string, filter: string, maxResults = 1000): Promise<FindingResult[]> {
    return this.list({ service: 'scc', operation: 'list findings', target: parent }, parent, filter, maxResults);
  }

  private async list(context: CloudErrorContext, parent: string, filter: string, maxResults: number): Promise<FindingResult[]> {
    this.checkParent(parent, context);
    const results: FindingResult[] = [];
    let pageToken: string | undefined;
    do {
      const request = { parent, filter, pageSize: Math.min(maxResults - results.length, 1000), ...(pageToken ? { pageToken } : {}) };
      const [page, , response] = await cloudCall(context, this.deadlineMs, () => this.client.listFindings(request, { autoPaginate: false }));
      for (const result of page ?? []) results.push(result as unknown as FindingResult);
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken && results.length < maxResults);
    return results;
  }

  /**
   * Findings for the same container (GKE) or Cloud Run resource within a window around an event:
   * the runbook's "other findings at a similar time for this container".
   */
  async relatedFindings(parent: string, subject: Subject, around: string, windowMinutes: number, maxResults = 200): Promise<FindingResult[]> {
    const context: CloudErrorContext = { service: 'scc', operation: 'list related findings', target: parent };
    const center = Date.parse(around);
    if (Number.isNaN(center)) throw fromGoogleError(new Error(`not a time: ${around}`), context);
    const from = new Date(center - windowMinutes * 60_000).toISOString();
    const to = new Date(center + windowMinutes * 60_000).toISOString();
    const terms: string[] = [];
    if (subject.runtime === 'gke') {
      checkName('kubernetesLabel', subject.namespace, 'namespace', context);
      checkName('kubernetesSubdomain', subject.pod, 'pod name', context);
      checkName('kubernetesLabel', subject.container, 'container name', context);
      terms.push(
        `resource_name=${quoteFilterValue(subject.clusterResourceName)}`,
        `source_properties.Pod_Namespace=${quoteFilterValue(subject.namespace)}`,
        `source_properties.Pod_Name=${quoteFilterValue(subject.pod)}`,
        `source_properties.Container_Name=${quoteFilterValue(subject.container)}`,
      );
    } else {
      terms.push(`resource_name=${quoteFilterValue(subject.resourceName)}`);
    }
    terms.push(`event_time>=${quoteFilterValue(from)}`, `event_time<=${quoteFilterValue(to)}`);
    return this.list(context, parent, terms.join(' AND '), maxResults);
  }

  async setState(name: string, state: 'ACTIVE' | 'INACTIVE'): Promise<Record<string, unknown>> {
    const context: CloudErrorContext = { service: 'scc', operation: 'set finding state', target: name };
    this.checkFindingName(name, context);
    const [finding] = await cloudCall(context, this.deadlineMs, () => this.client.setFindingState({ name, state }));
    return finding as unknown as Record<string, unknown>;
  }

  async setMute(name: string, mute: 'MUTED' | 'UNMUTED'): Promise<Record<string, unknown>> {
    const context: CloudErrorContext = { service: 'scc', operation: 'set mute', target: name };
    this.checkFindingName(name, context);
    const [finding] = await cloudCall(context, this.deadlineMs, () => this.client.setMute({ name, mute }));
    return finding as unknown as Record<string, unknown>;
  }

  /** Sets the named marks (and only those: the update mask names each one). */
  async updateMarks(findingName: string, marks: Record<string, string>): Promise<Record<string, string>> {
    const context: CloudErrorContext = { service: 'scc', operation: 'update security marks', target: findingName };
    this.checkFindingName(findingName, context);
    for (const key of Object.keys(marks)) {
      if (!/^[A-Za-z0-9_]{1,256}$/.test(key)) checkName('kubernetesLabel', key, 'security mark key', context);
    }
    const [updated] = await cloudCall(context, this.deadlineMs, () =>
      this.client.updateSecurityMarks({ securityMarks: { name: `${findingName}/securityMarks`, marks }, updateMask: { paths: Object.keys(marks).map((key) => `marks.${key}`) } }),
    );
    return (updated.marks ?? {}) as Record<string, string>;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private checkParent(parent: string, context: CloudErrorContext): void {
    if (!parentPattern.test(parent)) {
      throw fromGoogleError(Object.assign(new Error(`parent must be organizations|folders|projects/ID/sources/SOURCE|-[/locations/L]; no request was made`), { code: 3 }), context);
    }
  }

  private checkFindingName(name: string, context: CloudErrorContext): void {
    if (!findingNamePattern.test(name)) {
      throw fromGoogleError(Object.assign(new Error('not a finding name; no request was made'), { code: 3 }), context);
    }
  }
}
