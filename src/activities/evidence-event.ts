import type { CaseStore } from '../cases/case-store';

/** What a step found, on the case's timeline (one entry per step: a retried step writes it once). */
export function recordStepEvidence(store: CaseStore, caseId: string, step: string, detail: Record<string, unknown>): Promise<void> {
  return store.addEvent(caseId, { key: `evidence:${step}`, at: new Date().toISOString(), kind: 'evidence', step, detail });
}
