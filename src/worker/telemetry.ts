import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogEntry, type LogLevel } from '@temporalio/worker';
import { caseIdFor } from '../workflows/shared';

/**
 * The worker's process-wide telemetry, installed once before any connection: every SDK log
 * line (workflow, activity, worker, and the core's own warnings) as one JSON object on stderr,
 * carrying the case ID wherever the line belongs to a case's run; and, when an address is
 * given, a Prometheus endpoint with the Temporal runtime's metrics and the cases' own.
 */
export interface TelemetryOptions {
  /** `host:port` for GET /metrics; none when absent. */
  metricsAddress?: string;
  logLevel?: LogLevel;
  write?: (line: string) => void;
}

export function jsonLogLine(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const runId = typeof meta.runId === 'string' ? meta.runId : typeof meta.workflowRunId === 'string' ? meta.workflowRunId : undefined;
  const caseId = runId && meta.workflowType === 'investigateCase' ? caseIdFor(runId) : undefined;
  return JSON.stringify(
    { at: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: entry.level.toLowerCase(), message: entry.message, ...(caseId ? { caseId } : {}), ...meta },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
}

export function installTelemetry(options: TelemetryOptions = {}): void {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  Runtime.install({
    logger: new DefaultLogger(options.logLevel ?? 'INFO', (entry) => write(jsonLogLine(entry))),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(options.metricsAddress ? { metrics: { prometheus: { bindAddress: options.metricsAddress, countersTotalSuffix: true } } } : {}),
    },
  });
}
