/** The names a case is told in: the runbook's steps, and the decisions a person can take on it. */

export type StepName = 'review' | 'cluster-and-node' | 'pod' | 'cloud-run' | 'logs' | 'capture' | 'research';

export type DecisionKind = 'approve' | 'reject' | 'close' | 'watch';
