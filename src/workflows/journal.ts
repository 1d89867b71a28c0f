import type { Finding } from '../findings/model';
import type { CampaignSampling } from '../cases/campaigns';
import type { CaseStateFields, CaseStatus, DecisionRules, Plan } from './shared';

/**
 * What the case workflow writes to its record, as one list per write: each write is a single
 * activity however many entries it carries (a step's result, the findings that joined meanwhile,
 * a change of status). Every entry is keyed, so a retried write changes nothing twice.
 */
export type JournalEntry =
  | { type: 'opened'; workflowId: string; runId: string; subjectKey: string; finding: Finding; dryRun: boolean; openedAt: string }
  | { type: 'finding'; finding: Finding; at: string }
  | { type: 'event'; key: string; at: string; kind: string; step?: string; outcome?: string; detail: Record<string, unknown> }
  | { type: 'state'; status: CaseStatus; at: string; fields: CaseStateFields };

/** What a write tells the case back: the write that opens it says its part in its campaign, and the workers' decision rules when asked. */
export interface RecordedWrite {
  campaignSampling?: CampaignSampling;
  decisionRules?: DecisionRules;
}

/** The record of which decision keys and limits a case trusts after its `read`th reading of them. */
export function decisionKeysEntry(rules: DecisionRules, read: number, at: string): JournalEntry {
  return { type: 'event', key: `decision-keys:${read}`, at, kind: 'decision-keys', detail: { keys: rules.keys.map((k) => k.id), fourEyes: rules.fourEyes, autoContain: rules.autoContain } };
}

/** A plan presented for decision, as the record keeps it: its event, whoever writes it (the case, or since `plan-records-itself` the plan's own activity). */
export function planEvent(plan: Plan, key: string): JournalEntry {
  return { type: 'event', key, at: plan.createdAt, kind: 'plan', detail: { ...plan } };
}

/** What the case's "awaiting decision" state says of the plan presented. */
export function presentedFields(plan: Plan, readyAt?: string): CaseStateFields {
  return { ...(readyAt ? { readyAt } : {}), plan, planHash: plan.hash, advice: plan.advice };
}
