import type { Finding } from '../findings/model';
import type { CampaignSampling } from '../cases/campaigns';
import type { CaseStateFields, CaseStatus } from './shared';

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

/** What a write tells the case back: the write that opens it says its part in its campaign, when it has one. */
export interface RecordedWrite {
  campaignSampling?: CampaignSampling;
}
