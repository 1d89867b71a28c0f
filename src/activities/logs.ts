import { Context } from '@temporalio/activity';
import type { Subject } from '../findings/model';
import type { LogQueryResult, LogWindow } from '../cloud/logging';
import type { ActivityDeps } from './deps';
import { stepEvidence, type StepEvidence } from './evidence-event';
import { classified } from './failures';

/** Step 4: the runbook's log queries over a window around the event, each capped. */
export function logActivities({ clients, store, evidence }: ActivityDeps) {
  return {
    async queryLogs(input: {
      caseId: string;
      subject: Subject;
      eventTime: string;
      instanceId?: string;
      window: { beforeMinutes: number; afterMinutes: number; maxEntries: number };
    }): Promise<{ summary: string } & StepEvidence> {
      return classified(async () => {
        const at = Date.parse(input.eventTime);
        const window: LogWindow = {
          from: new Date(at - input.window.beforeMinutes * 60_000).toISOString(),
          to: new Date(at + input.window.afterMinutes * 60_000).toISOString(),
          maxEntries: input.window.maxEntries,
        };
        const results: Record<string, LogQueryResult> = {};
        const { subject } = input;
        if (subject.runtime === 'gke') {
          results.pod = await clients.logging.podLogs(subject, window);
          Context.current().heartbeat('pod logs');
          results.clusterAudit = await clients.logging.clusterAuditLogs(subject, window);
          Context.current().heartbeat('audit logs');
          if (input.instanceId) results.node = await clients.logging.nodeLogs(subject.projectId, input.instanceId, window);
        } else {
          results.cloudRun = await clients.logging.cloudRunLogs(subject, window);
        }
        // The entries go to the evidence store; the case keeps their hash and counts.
        const stored = await evidence.put(Buffer.from(JSON.stringify({ window, results }, null, 2)));
        const counts = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { entries: r.entries.length, truncated: r.truncated, query: r.query }]));
        await store.addEvidence({
          id: `${input.caseId}:logs:${stored.sha256.slice(0, 16)}`,
          caseId: input.caseId,
          kind: 'logs',
          sha256: stored.sha256,
          size: stored.size,
          source: { window, queries: counts },
          collector: 'cloud-logging',
          collected_at: new Date().toISOString(),
          storage_path: stored.path,
          finding_sha256: null,
          hash_check: 'no-reference',
        });
        const parts = Object.entries(results).map(([name, r]) => `${name} ${r.entries.length}${r.truncated ? '+' : ''}`);
        if (subject.runtime === 'gke' && !input.instanceId) parts.push('node skipped (no instance id)');
        return { summary: `log entries from ${window.from} to ${window.to}: ${parts.join(', ')}`, stepEvidence: stepEvidence('logs', { window, queries: counts, sha256: stored.sha256 }) };
      });
    },
  };
}
