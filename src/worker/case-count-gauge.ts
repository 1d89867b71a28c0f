import type { MetricMeter } from '@temporalio/common';
import type { CaseStore } from '../cases/case-store';
import { caseStatuses } from '../workflows/shared';

/**
 * `scc_cases{status}`: how many cases are in each status now, read from the case store (the
 * record every worker shares), so any one worker reports the whole deployment's backlog. A
 * status that empties is reported as 0, not left at its last value.
 */
export function startCaseCountGauge(store: CaseStore, meter: MetricMeter, intervalMs = 5_000, onError: (error: unknown) => void = () => undefined): { stop(): void } {
  const gauge = meter.createGauge('scc_cases', 'int', 'cases', 'cases in each status now');
  const seen = new Set<string>(caseStatuses);
  const refresh = async () => {
    const counts = await store.countByStatus();
    for (const status of Object.keys(counts)) seen.add(status);
    for (const status of seen) gauge.set(counts[status] ?? 0, { status });
  };
  const run = () => void refresh().catch(onError);
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
