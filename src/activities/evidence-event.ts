import type { TimelineEvent } from '../cases/case-store';

/** What a step found, for the case's timeline (one entry per step: a retried step writes it once). */
export interface StepEvidence {
  stepEvidence?: TimelineEvent;
}

/**
 * The timeline entry of what a step found. The step's activity answers it rather than writing it:
 * the wrapper around every step (`step-records.ts`) writes it with the step's own record, in one
 * transaction, and leaves it out of the answer the workflow's history keeps.
 */
export function stepEvidence(step: string, detail: Record<string, unknown>): TimelineEvent {
  return { key: `evidence:${step}`, at: new Date().toISOString(), kind: 'evidence', step, detail };
}
