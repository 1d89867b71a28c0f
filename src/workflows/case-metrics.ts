import { metricMeter } from '@temporalio/workflow';

/**
 * The cases' own metrics, served next to the Temporal runtime's on the worker's Prometheus
 * endpoint. The SDK does not emit them while replaying, so a worker restart counts nothing twice.
 */
export type Milestone = 'ready' | 'decided' | 'contained';

export const caseMetrics = {
  entered(status: string): void {
    metricMeter.createCounter('scc_case_transitions', 'cases', 'cases entering a status').add(1, { status });
  },
  step(step: string, outcome: string, ms: number): void {
    metricMeter.createHistogram('scc_step_duration', 'int', 'ms', 'how long each runbook step took').record(Math.max(0, Math.round(ms)), { step, outcome });
  },
  milestone(milestone: Milestone, msSinceOpened: number): void {
    metricMeter.createHistogram('scc_case_time_to', 'int', 'ms', 'from a case opening to ready for decision, decided, contained').record(Math.max(0, Math.round(msSinceOpened)), { milestone });
  },
  action(action: string, status: string): void {
    metricMeter.createCounter('scc_action_outcomes', 'actions', 'containment actions by outcome').add(1, { action, status });
  },
};
