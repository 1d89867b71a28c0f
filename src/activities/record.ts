import type { Finding } from '../findings/model';
import type { CaseStatus, DecisionRules } from '../workflows/shared';
import type { CaseStateFields, CaseStore } from '../cases/case-store';
import { decisionKeysEntry, type RecordedWrite } from '../workflows/journal';
import type { JournalEntry } from '../workflows/journal';
import { lockCampaignsOf } from '../cases/campaigns';
import type { ActivityDeps } from './deps';

/** Writes to the case record; each one idempotent (keyed), since a retried activity runs twice. */
export function recordActivities({ store, decisionRules, campaignWindowMinutes, campaignSampleSize }: ActivityDeps) {
  const writesTo = (to: CaseStore) => ({
    async recordCaseOpened(input: { caseId: string; workflowId: string; runId: string; subjectKey: string; finding: Finding; dryRun: boolean; openedAt: string }): Promise<void> {
      await to.openCase(input);
      await to.addEvent(input.caseId, { key: 'opened', at: input.openedAt, kind: 'opened', detail: { workflowId: input.workflowId, runId: input.runId, subjectKey: input.subjectKey, dryRun: input.dryRun } });
    },
    async recordFindingJoined(input: { caseId: string; finding: Finding; at: string }): Promise<void> {
      await to.joinFinding(input.caseId, input.finding, input.at, campaignWindowMinutes);
      await to.addEvent(input.caseId, {
        key: `finding:${input.finding.name}`,
        at: input.at,
        kind: 'finding',
        detail: { name: input.finding.name, category: input.finding.category, severity: input.finding.severity, eventTime: input.finding.eventTime },
      });
    },
    async recordEvent(input: { caseId: string; key: string; at: string; kind: string; step?: string; outcome?: string; detail: Record<string, unknown> }): Promise<void> {
      await to.addEvent(input.caseId, input);
    },
    async recordCaseState(input: { caseId: string; status: CaseStatus; at: string; fields: CaseStateFields }): Promise<void> {
      await to.setState(input.caseId, input.status, input.fields, { key: `status:${input.status}`, at: input.at, kind: 'status', outcome: input.status, detail: {} });
    },
  });
  const write = writesTo(store);
  return {
    ...write,
    /** What this worker's configuration says about deciding; the case keeps it in its history, so replay needs no configuration. */
    async decisionRules(): Promise<DecisionRules> {
      return decisionRules;
    },
    /** One write of the case workflow: its entries in order (the workflow's only record activity since `main-flow-records`). */
    async recordCase(input: { caseId: string; entries: JournalEntry[]; trustKeys?: { read: number } }): Promise<RecordedWrite | undefined> {
      // The opening write may also record which decision keys the case trusts: one activity where there were two.
      const entries = input.trustKeys ? [...input.entries, decisionKeysEntry(decisionRules, input.trustKeys.read, new Date().toISOString())] : input.entries;
      // One transaction for the write: its entries are on the record together or not at all, and an event costs four round trips to the store instead of seven.
      await store.inOneTransaction(input.caseId, async (tx) => {
        await lockCampaignsOf(tx.db, entries.flatMap((entry) => (entry.type === 'opened' || entry.type === 'finding' ? [entry.finding] : [])));
        const to = writesTo(tx);
        for (const entry of entries) {
          if (entry.type === 'opened') await to.recordCaseOpened({ caseId: input.caseId, ...entry });
          else if (entry.type === 'finding') await to.recordFindingJoined({ caseId: input.caseId, finding: entry.finding, at: entry.at });
          else if (entry.type === 'event') await to.recordEvent({ caseId: input.caseId, ...entry });
          else await to.recordCaseState({ caseId: input.caseId, status: entry.status, at: entry.at, fields: entry.fields });
        }
      });
      // The write that opens the case joins its first finding to its campaign: the same write says the case's part in it.
      const opened = input.entries.find((entry) => entry.type === 'opened');
      const campaignSampling = campaignSampleSize && opened ? await store.campaignSampling(input.caseId, campaignSampleSize, opened.finding.name) : undefined;
      if (!campaignSampling && !input.trustKeys) return undefined;
      return { ...(campaignSampling ? { campaignSampling } : {}), ...(input.trustKeys ? { decisionRules } : {}) };
    },
  };
}
