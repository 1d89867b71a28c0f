import { Logging, type Entry } from '@google-cloud/logging';
import type { CloudRunSubject, GkeSubject } from '../findings/model';
import { decodeAuditLog, registerAuditLogType } from './audit-log-type';
import { cloudCall } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import { fromGoogleError, type CloudErrorContext } from './errors';
import { timestampToIso } from '../util/timestamp';
import { checkName, quoteFilterValue } from './validate';

/**
 * The runbook's log queries through @google-cloud/logging. Every query carries explicit
 * timestamp bounds (without one, getEntries silently adds "the last 24 hours") and a cap.
 */

export interface LogWindow {
  from: string;
  to: string;
  /** At most this many entries per query. */
  maxEntries: number;
}

export interface LogRecord {
  timestamp: string;
  severity: string;
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  /** The payload: text as is, JSON and proto payloads as JSON, cut at 4 KiB. */
  text: string;
  insertId?: string;
}

export interface LogQueryResult {
  query: string;
  entries: LogRecord[];
  /** More entries matched than the cap allowed. */
  truncated: boolean;
}

const payloadChars = 4096;

export class LoggingAdapter {
  private readonly clients = new Map<string, Logging>();

  constructor(private readonly target: CloudTarget) {}

  async podLogs(subject: GkeSubject, window: LogWindow): Promise<LogQueryResult> {
    const context = this.context('pod logs', subject.projectId, `${subject.namespace}/${subject.pod}`);
    checkName('kubernetesLabel', subject.namespace, 'namespace', context);
    checkName('kubernetesSubdomain', subject.pod, 'pod name', context);
    return this.query(subject.projectId, context, window, [
      'resource.type="k8s_container"',
      `resource.labels.project_id=${quoteFilterValue(subject.projectId)}`,
      `resource.labels.location=${quoteFilterValue(subject.location)}`,
      `resource.labels.cluster_name=${quoteFilterValue(subject.cluster)}`,
      `resource.labels.namespace_name=${quoteFilterValue(subject.namespace)}`,
      `resource.labels.pod_name=${quoteFilterValue(subject.pod)}`,
    ]);
  }

  async clusterAuditLogs(subject: GkeSubject, window: LogWindow): Promise<LogQueryResult> {
    const context = this.context('cluster audit logs', subject.projectId, subject.cluster);
    checkName('kubernetesSubdomain', subject.pod, 'pod name', context);
    return this.query(subject.projectId, context, window, [
      `logName=${quoteFilterValue(`projects/${subject.projectId}/logs/cloudaudit.googleapis.com%2Factivity`)}`,
      'resource.type="k8s_cluster"',
      `resource.labels.project_id=${quoteFilterValue(subject.projectId)}`,
      `resource.labels.location=${quoteFilterValue(subject.location)}`,
      `resource.labels.cluster_name=${quoteFilterValue(subject.cluster)}`,
      quoteFilterValue(subject.pod),
    ]);
  }

  async nodeLogs(projectId: string, instanceId: string, window: LogWindow): Promise<LogQueryResult> {
    const context = this.context('node logs', projectId, instanceId);
    if (!/^[0-9]{1,20}$/.test(instanceId)) checkName('projectNumber', instanceId, 'instance id', context);
    return this.query(projectId, context, window, ['resource.type="gce_instance"', `resource.labels.instance_id=${quoteFilterValue(instanceId)}`]);
  }

  async cloudRunLogs(subject: CloudRunSubject, window: LogWindow): Promise<LogQueryResult> {
    const what = subject.revision ?? subject.service ?? subject.job ?? '';
    const context = this.context('cloud run logs', subject.projectId, what);
    const terms = [`resource.labels.project_id=${quoteFilterValue(subject.projectId)}`, `resource.labels.location=${quoteFilterValue(subject.region)}`];
    if (subject.job) {
      terms.unshift('resource.type="cloud_run_job"');
      terms.push(`resource.labels.job_name=${quoteFilterValue(subject.job)}`);
    } else {
      terms.unshift('resource.type="cloud_run_revision"');
      if (subject.service) terms.push(`resource.labels.service_name=${quoteFilterValue(subject.service)}`);
      if (subject.revision) terms.push(`resource.labels.revision_name=${quoteFilterValue(subject.revision)}`);
    }
    return this.query(subject.projectId, context, window, terms);
  }

  private async query(projectId: string, context: CloudErrorContext, window: LogWindow, terms: string[]): Promise<LogQueryResult> {
    checkName('projectId', projectId, 'project ID', context);
    const from = Date.parse(window.from);
    const to = Date.parse(window.to);
    if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
      throw fromGoogleError(Object.assign(new Error(`invalid window ${window.from} .. ${window.to}`), { code: 3 }), context);
    }
    const query = [...terms, `timestamp>=${quoteFilterValue(new Date(from).toISOString())}`, `timestamp<=${quoteFilterValue(new Date(to).toISOString())}`].join(' AND ');
    // One page of cap + 1 tells whether the cap cut anything, without reading further.
    const [entries] = await cloudCall(context, requestTimeoutOf(this.target), () =>
      this.client(projectId).getEntries({ resourceNames: [`projects/${projectId}`], filter: query, orderBy: 'timestamp asc', pageSize: window.maxEntries + 1, autoPaginate: false }),
    );
    return { query, entries: entries.slice(0, window.maxEntries).map(toRecord), truncated: entries.length > window.maxEntries };
  }

  private client(projectId: string): Logging {
    let client = this.clients.get(projectId);
    if (!client) {
      // getEntries always resolves a project ID; naming it avoids a metadata-server lookup.
      client = new Logging({ projectId, ...googleClientOptions(this.target) } as ConstructorParameters<typeof Logging>[0]);
      if (this.target.mode === 'lab') registerAuditLogType((client as unknown as { loggingService: unknown }).loggingService);
      this.clients.set(projectId, client);
    }
    return client;
  }

  private context(operation: string, projectId: string, target: string): CloudErrorContext {
    return { service: 'logging', operation, target: `${projectId}/${target}` };
  }
}

function toRecord(entry: Entry): LogRecord {
  const metadata = entry.metadata as {
    timestamp?: unknown;
    severity?: unknown;
    logName?: string;
    resource?: { type?: string; labels?: Record<string, string> };
    insertId?: string;
  };
  const text = payloadText(entry.data);
  return {
    timestamp: timestampToIso(metadata.timestamp),
    severity: String(metadata.severity ?? 'DEFAULT'),
    logName: metadata.logName ?? '',
    resource: { type: metadata.resource?.type ?? '', labels: metadata.resource?.labels ?? {} },
    text: text.length > payloadChars ? `${text.slice(0, payloadChars)}…` : text,
    ...(metadata.insertId ? { insertId: metadata.insertId } : {}),
  };
}

const auditLogTypeUrl = 'type.googleapis.com/google.cloud.audit.AuditLog';

/** Text as is; an AuditLog Any decoded (gRPC and REST both hand it over as bytes); the rest as JSON. */
function payloadText(data: unknown): string {
  if (typeof data === 'string') return data;
  const any = data as { type_url?: string; typeUrl?: string; value?: unknown } | null;
  if ((any?.type_url ?? any?.typeUrl) === auditLogTypeUrl && any?.value instanceof Uint8Array) {
    try {
      return JSON.stringify({ '@type': auditLogTypeUrl, ...decodeAuditLog(any.value) });
    } catch (error) {
      return JSON.stringify({ '@type': auditLogTypeUrl, undecodable: error instanceof Error ? error.message : String(error) });
    }
  }
  return JSON.stringify(data ?? null);
}
