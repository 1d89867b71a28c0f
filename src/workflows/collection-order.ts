import type { Subject } from '../findings/model';
import type { StepName } from './case-words';

/**
 * Volatile first: evidence is collected in the order it disappears. A running process and
 * its files go with the pod; the pod and node objects with a replacement or the autoscaler;
 * logs with their bucket's retention; findings with SCC's. Each source carries its deadline,
 * a time when one is known, otherwise the event that ends it.
 */

export interface RetentionDays {
  /** Cloud Logging `_Default` bucket: container and node logs. */
  defaultBucket: number;
  /** Cloud Logging `_Required` bucket: Admin Activity audit logs. */
  requiredBucket: number;
  /** SCC keeps findings (and so the related ones) this long. */
  findings: number;
}

export const defaultRetentionDays: RetentionDays = { defaultBucket: 30, requiredBucket: 400, findings: 395 };

export interface EvidenceSource {
  order: number;
  source: string;
  step: StepName;
  /** When the source is gone at the latest, when that is a time. */
  deadline?: string;
  /** What ends it, in words. */
  lostWhen: string;
}

const day = 86_400_000;

export function collectionOrder(subject: Subject, eventTime: string, retention: RetentionDays = defaultRetentionDays): EvidenceSource[] {
  const event = Date.parse(eventTime);
  const after = (days: number) => (Number.isFinite(event) ? new Date(event + days * day).toISOString() : undefined);
  const timed = (days: number, lostWhen: string) => {
    const deadline = after(days);
    return { ...(deadline ? { deadline } : {}), lostWhen };
  };
  const sources: Omit<EvidenceSource, 'order'>[] =
    subject.runtime === 'gke'
      ? [
          { source: 'running process and files', step: 'capture', lostWhen: 'the container stops, restarts or is replaced' },
          { source: 'pod and its owners', step: 'pod', lostWhen: 'the pod is deleted or replaced' },
          { source: 'node', step: 'cluster-and-node', lostWhen: 'the node is drained, upgraded or removed by the autoscaler' },
          { source: 'pod logs, cluster audit logs, node logs', step: 'logs', ...timed(retention.defaultBucket, `the _Default log bucket's ${retention.defaultBucket}-day retention (Admin Activity audit logs: ${retention.requiredBucket} days)`) },
          { source: 'finding and related findings', step: 'review', ...timed(retention.findings, `SCC's ${retention.findings}-day finding retention`) },
          { source: 'MITRE ATT&CK and VirusTotal', step: 'research', lostWhen: 'not lost: reference data' },
        ]
      : [
          { source: 'service and revision configuration', step: 'cloud-run', lostWhen: 'the revision is deleted or the service redeployed' },
          { source: 'request and container logs', step: 'logs', ...timed(retention.defaultBucket, `the _Default log bucket's ${retention.defaultBucket}-day retention`) },
          { source: 'finding and related findings', step: 'review', ...timed(retention.findings, `SCC's ${retention.findings}-day finding retention`) },
          { source: 'MITRE ATT&CK and VirusTotal', step: 'research', lostWhen: 'not lost: reference data' },
        ];
  return sources.map((source, index) => ({ order: index + 1, ...source }));
}
