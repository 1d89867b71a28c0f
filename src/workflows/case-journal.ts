import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { activityProfiles } from './activity-profiles';
import { caseMetrics, type Milestone } from './case-metrics';
import type { CaseState } from './case-state';
import { decisionKeysEntry, type JournalEntry, type RecordedWrite } from './journal';
import { searchAttributes } from './search-attributes';
import type { CaseStateFields, CaseStatus, Gap } from './shared';

const record = proxyActivities<CaseActivities>(activityProfiles.record);

const milestones: Partial<Record<CaseStatus, Milestone>> = { 'awaiting-decision': 'ready', containing: 'decided', rejected: 'decided', contained: 'contained' };

/**
 * The case record, written by the main flow only, one activity per write. Every write also takes
 * in what the handlers left (findings that joined, decisions to judge and record), so the record
 * and the search attributes follow the case at points its history fixes.
 */
export class CaseJournal {
  private readonly openedAtMs = Date.now();
  private readonly reached = new Set<Milestone>();
  private keyReads = 0;
  private readonly carried: JournalEntry[] = [];
  /** Each search attribute's value as the case last set it (or its start did), as JSON. */
  private readonly searchable = new Map<string, string>();

  constructor(private readonly state: CaseState) {
    for (const key of [searchAttributes.caseStatus, searchAttributes.findingNames]) {
      const value = workflowInfo().typedSearchAttributes.get(key);
      if (value !== undefined) this.searchable.set(key.name, JSON.stringify(value));
    }
  }

  /** Entries that go with the next write, whatever it is: recorded a moment later, for one activity fewer. */
  carry(entries: JournalEntry[]): void {
    this.carried.push(...entries);
  }

  /**
   * The write that opens the case: its first entries, the news, `after`, and (when decisions must be signed) the
   * workers' decision rules read and recorded by the same activity. A worker that does not
   * answer them (one of an older build) leaves them to their own read.
   */
  async open(entries: JournalEntry[], after: JournalEntry[], trustKeys: boolean): Promise<RecordedWrite | undefined> {
    // The findings that came with the start go right after the opening, as in any write.
    const all = [...entries, ...this.takeNews(), ...after];
    const result = (await record.recordCase({ caseId: this.state.caseId, entries: all, ...(trustKeys ? { trustKeys: { read: this.keyReads + 1 } } : {}) })) ?? undefined;
    if (!trustKeys) return result;
    if (!result?.decisionRules) {
      await this.trustWorkerKeys();
      return result;
    }
    this.state.trust(result.decisionRules);
    this.keyReads++;
    return result;
  }

  async write(entries: JournalEntry[] = []): Promise<RecordedWrite | undefined> {
    // Keys first: a decision signed with a key the workers just started trusting is judged with it.
    if (this.state.keysRefreshDue()) return this.trustWorkerKeys(entries);
    const all = [...this.carried.splice(0), ...entries, ...this.takeNews()];
    // Histories written before writes answered anything hold no result: those cases go on as they began.
    if (all.length > 0) return (await record.recordCase({ caseId: this.state.caseId, entries: all })) ?? undefined;
    return undefined;
  }

  /** Reads the workers' decision keys and limits (again, after a rotation), and records which keys the case now trusts. */
  async trustWorkerKeys(entries: JournalEntry[] = []): Promise<RecordedWrite | undefined> {
    const rules = await record.decisionRules();
    this.state.trust(rules);
    this.keyReads++;
    return this.write([...entries, decisionKeysEntry(rules, this.keyReads, new Date().toISOString())]);
  }

  /**
   * Everything due for the next write, taken out to go with an activity that writes it itself
   * (the plan's, since `plan-records-itself`). Whatever that activity did not write goes back
   * with `carry`, for the next write.
   */
  takeDue(): JournalEntry[] {
    return [...this.carried.splice(0), ...this.takeNews()];
  }

  /** A new status, on the record and in the search attributes, with whatever else goes with it. */
  async setStatus(next: CaseStatus, fields: CaseStateFields = {}, entries: JournalEntry[] = []): Promise<void> {
    this.entered(next);
    await this.write([...entries, { type: 'state', status: next, at: new Date().toISOString(), fields }]);
  }

  /** A new status that an activity already wrote to the record: the case, its search attributes and its metrics follow. */
  entered(next: CaseStatus): void {
    this.state.status = next;
    log.info(`case ${next}`, { caseId: this.state.caseId, status: next, subjectKey: this.state.input.subjectKey });
    caseMetrics.entered(next);
    const milestone = milestones[next];
    if (milestone && !this.reached.has(milestone)) {
      this.reached.add(milestone);
      caseMetrics.milestone(milestone, Date.now() - this.openedAtMs);
    }
    this.upsert({ key: searchAttributes.caseStatus, value: next });
  }

  /**
   * Sets a search attribute. Since `search-attributes-when-changed`, only to a value it does not
   * hold: the start sets the first finding's name, which the opening write took in again, and each
   * upsert is a history event and an update of the server's visibility store.
   */
  private upsert(pair: SearchAttributeUpdatePair): void {
    const value = JSON.stringify(pair.value);
    if (this.searchable.get(pair.key.name) === value && this.state.patches.has('search-attributes-when-changed')) return;
    this.searchable.set(pair.key.name, value);
    upsertSearchAttributes([pair]);
  }

  /** Something the case could not do, kept with the case and on its record. */
  async gap(gap: Gap): Promise<void> {
    this.state.gaps.push(gap);
    await this.write([{ type: 'event', key: `gap:${gap.step}:${this.state.gaps.length}`, at: gap.at, kind: 'gap', step: gap.step, detail: { ...gap } }]);
  }

  private takeNews(): JournalEntry[] {
    const at = new Date().toISOString();
    const joined = this.state.takeArrivals();
    if (joined.length > 0) this.upsert({ key: searchAttributes.findingNames, value: this.state.findings.map((f) => f.name).slice(0, 100) });
    const { decisions, refused } = this.state.takeDecisions();
    const offset = this.state.decisions.length - decisions.length;
    const refusedOffset = this.state.refused.length - refused.length;
    return [
      ...joined.map((finding): JournalEntry => ({ type: 'finding', finding, at })),
      ...decisions.map((decision, i): JournalEntry => ({ type: 'event', key: `decision:${offset + i + 1}`, at: decision.at, kind: 'decision', outcome: decision.decision, detail: { ...decision } })),
      ...refused.map((refusal, i): JournalEntry => ({ type: 'event', key: `refused:${refusedOffset + i + 1}`, at: refusal.at, kind: 'decision-refused', detail: { ...refusal } })),
      ...this.state.takeCampaignActions().map((acted): JournalEntry => ({ type: 'event', key: `campaign-acted:${acted.campaignId}:${acted.action}:${acted.byCase}`, at, kind: 'campaign-acted', detail: { ...acted } })),
    ];
  }
}
