import type { CaseStore } from '../cases/case-store';
import type { StepName, StepRecord } from '../workflows/shared';
import type { StepEvidence } from './evidence-event';

/** Asks a step's activity to write the step's own record (since `steps-record-themselves`): which step, begun when. */
export interface StepMark {
  step: StepName;
  startedAt: string;
}

/** What a step's activity answers once it wrote the step's record itself: the record, as written. */
export interface SelfRecorded {
  recorded?: StepRecord;
}

// `never`: any step activity fits, whatever else its input holds (every one names its case).
type StepActivity = (input: never) => Promise<{ summary: string } & StepEvidence>;
type SelfRecording<F> = F extends (input: infer I) => Promise<infer R> ? (input: I & { recordStep?: StepMark }) => Promise<Omit<R, 'stepEvidence'> & SelfRecorded> : never;

/**
 * Runbook step activities that write their own step record when they succeed, in the same
 * activity, instead of leaving it to a record activity of its own: one Temporal round trip per
 * step fewer. What the step found (its `stepEvidence`) is written here too, with the record. A step that fails is still recorded by the case, with its gap; a retried step
 * writes its record once (entries are keyed). An input without `recordStep` (a history from
 * before) is answered as before.
 */
export function recordingTheirSteps<A extends Record<string, StepActivity>>(store: CaseStore, activities: A): { [K in keyof A]: SelfRecording<A[K]> } {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (input: { caseId: string; recordStep?: StepMark }) => {
        const { recordStep, ...rest } = input;
        // What the step found goes on the timeline, not into the answer the history keeps.
        const { stepEvidence, ...result } = await (activity as (input: unknown) => Promise<{ summary: string } & StepEvidence>)(rest);
        if (!recordStep) {
          if (stepEvidence) await store.addEvent(input.caseId, stepEvidence);
          return result;
        }
        const recorded: StepRecord = { step: recordStep.step, startedAt: recordStep.startedAt, endedAt: new Date().toISOString(), outcome: 'ok', summary: result.summary };
        // The step's findings and its record in one transaction: one lock of the case's chain, and neither without the other.
        await store.inOneTransaction(input.caseId, async (tx) => {
          if (stepEvidence) await tx.addEvent(input.caseId, stepEvidence);
          await tx.addEvent(input.caseId, { key: `step:${recorded.step}`, at: recorded.endedAt, kind: 'step', step: recorded.step, outcome: 'ok', detail: { ...recorded } });
        });
        return { ...result, recorded };
      },
    ]),
  ) as unknown as { [K in keyof A]: SelfRecording<A[K]> };
}
