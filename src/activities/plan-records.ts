import { Context } from '@temporalio/activity';
import type { CaseStore } from '../cases/case-store';
import { planEvent, presentedFields, type JournalEntry } from '../workflows/journal';
import type { Plan } from '../workflows/shared';

/** Asks the plan's activity to present the plan itself (since `plan-records-itself`): what the case had still to write, recorded first. */
export interface PresentPlan {
  entries: JournalEntry[];
}

/** What the plan's activity answers once it presented the plan: when the case became ready for a decision. */
export interface Presented {
  presented?: { at: string };
}

type RecordCase = (input: { caseId: string; entries: JournalEntry[] }) => Promise<unknown>;
type PlanActivity<I> = (input: I) => Promise<Plan>;

/**
 * The plan's activity, writing the plan and the case's "awaiting decision" to the record when
 * it succeeds, with the entries the case hands it (findings that joined while the steps ran):
 * one record activity fewer, twice in most cases. An input without `present` (a history from
 * before) is answered as before, and so does a worker of an older build, which the case notices
 * by the missing `presented`.
 *
 * A retry after the write answers the plan already on the record, not a new one: the record,
 * its audit chain and the case then agree on the plan people decide on (the case plans again
 * before it acts, whatever it was asked to approve).
 */
export function presentingItsPlan<I extends { caseId: string }>(store: CaseStore, recordCase: RecordCase, planContainment: PlanActivity<I>): (input: I & { present?: PresentPlan }) => Promise<Plan & Presented> {
  return async (input) => {
    const { present, ...rest } = input;
    if (present && Context.current().info.attempt > 1) {
      const onRecord = await store.caseById(input.caseId);
      if (onRecord?.status === 'awaiting-decision' && onRecord.plan && onRecord.ready_at) return { ...onRecord.plan, presented: { at: onRecord.ready_at } };
    }
    const plan = await planContainment(rest as unknown as I);
    if (!present) return plan;
    const at = new Date().toISOString();
    await recordCase({ caseId: input.caseId, entries: [...present.entries, planEvent(plan, 'plan'), { type: 'state', status: 'awaiting-decision', at, fields: presentedFields(plan, at) }] });
    return { ...plan, presented: { at } };
  };
}
