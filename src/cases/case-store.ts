import type { RecordedDecision } from './decision-audit';
import { createHash } from 'node:crypto';
import type { Finding, ParsedFinding } from '../findings/model';
import { openCaseStatuses, type ActionResult, type CaseStateFields, type CaseStatus, type Decision, type Plan } from '../workflows/shared';

export type { CaseStateFields } from '../workflows/shared';
import type { Database } from './database';
import { canonicalJson } from '../util/canonical-json';
import { appendAudit, lockChain, verifyAudit, type Verification } from './audit';
import { migrate } from './migrations';
import { campaignWorkloadOf, type CampaignWorkload } from './campaign-workloads';
import { campaignDecisions, campaignPlan, recordCampaignDecision, settleCampaignDecision, type CampaignDecisionAnswer, type CampaignDecisionRecord, type CampaignPlan } from './campaign-plan';
import { campaignNoticeDelivered, campaignNoticeFailed, campaignNoticeSent, noticeStandingOf, takeCampaignNoticeTurn, type CampaignNoticeTurn, type NoticeStanding } from './campaign-notices';
import { campaignById, campaignsOfCase, casesThatMayWaitInCampaign, defaultCampaignWindowMinutes, joinCampaign, listCampaigns, samplingFor, type CampaignDetail, type CampaignRow, type CampaignSampling } from './campaigns';

/** The advisory lock VirusTotal quota takers queue on (any constant no other lock uses). */
const virusTotalQuotaLock = 7_462_118_041;

/** Cases and everything recorded about them. Every write is idempotent: activities may run twice. */

export interface CaseRow {
  id: string;
  workflow_id: string;
  run_id: string;
  subject_key: string;
  runtime: string;
  project: string;
  cluster: string | null;
  service: string | null;
  category: string;
  severity: string;
  status: CaseStatus;
  outcome: string | null;
  dry_run: boolean;
  opened_at: string;
  ready_at: string | null;
  decided_at: string | null;
  contained_at: string | null;
  closed_at: string | null;
  plan: Plan | null;
  plan_hash: string | null;
  decision: Decision[] | null;
  /** Opened since signed decisions: its containment needs signed approvals (set by the database). */
  decisions_signed: boolean;
  advice: string | null;
}

export interface TimelineEntry {
  event_key: string;
  at: string;
  kind: string;
  step: string | null;
  outcome: string | null;
  detail: Record<string, unknown>;
}

export interface EvidenceRow {
  id: string;
  case_id: string;
  kind: string;
  sha256: string;
  size: number;
  source: Record<string, unknown>;
  collector: string;
  collected_at: string;
  storage_path: string;
  finding_sha256: string | null;
  hash_check: string;
  /** The artifact this one came out of: for a captured file, the raw finding that named it. */
  parent_sha256?: string | null;
}

export interface CaseRecord {
  case: CaseRow;
  findings: { finding_name: string; joined_at: string; raw_sha256: string; finding: Finding }[];
  timeline: TimelineEntry[];
  evidence: EvidenceRow[];
  actions: (ActionResult & { action_key: string; dry_run: boolean })[];
}

export interface NewDeadLetter {
  /** Where it came from: `pubsub:projects/P/subscriptions/S`, `push`, `poller:organizations/O`. */
  source: string;
  messageId: string;
  receivedAt: string;
  reason: string;
  raw: Buffer;
  attributes: Record<string, string>;
}

export interface DeadLetter {
  id: string;
  source: string;
  message_id: string;
  received_at: string;
  reason: string;
  raw_sha256: string;
  attributes: Record<string, string>;
  size: number;
}

/** PostgreSQL text holds no U+0000 and no lone surrogate; a hostile message may carry both. */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\\u0000').replace(/\p{Cs}/gu, '\uFFFD');
}

function storableAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).slice(0, 100).map(([key, value]) => [storableText(key).slice(0, 256), storableText(String(value)).slice(0, 1024)]));
}

export interface CaseFilter {
  status?: string;
  category?: string;
  cluster?: string;
  service?: string;
  severity?: string;
  limit?: number;
}

/** One entry of a case's timeline (and so of its audit chain); its key makes a repeated write a no-op. */
export interface TimelineEvent {
  key: string;
  at: string;
  kind: string;
  step?: string;
  outcome?: string;
  detail: Record<string, unknown>;
}


export class CaseStore {
  constructor(readonly db: Database) {}

  /** Several writes to one case as one: all of them or none, on one connection, in one transaction, under the case's chain lock. */
  async inOneTransaction<T>(caseId: string, work: (store: CaseStore) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await lockChain(tx, caseId);
      return work(new CaseStore(tx));
    });
  }

  async migrate(): Promise<void> {
    await migrate(this.db);
  }

  /** Keeps the raw text of a finding as it arrived; the first arrival wins. */
  async recordIntake(parsed: ParsedFinding): Promise<void> {
    await this.db.query(
      'insert into intake (finding_name, raw, raw_sha256, finding) values ($1, $2, $3, $4) on conflict (finding_name) do nothing',
      [parsed.finding.name, parsed.raw, parsed.finding.intake.rawSha256, JSON.stringify(parsed.finding)],
    );
  }

  /**
   * A message no finding could be read from, kept as received (bytes, attributes, why) so it can
   * be inspected and replayed by hand; its source and message ID make a redelivery one record.
   */
  async recordDeadLetter(letter: NewDeadLetter): Promise<string> {
    const id = `dl-${createHash('sha256').update(`${letter.source}\n${letter.messageId}`).digest('hex').slice(0, 16)}`;
    await this.db.query(
      `insert into dead_letters (id, source, message_id, received_at, reason, raw, raw_sha256, attributes)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (id) do nothing`,
      [id, letter.source, letter.messageId, letter.receivedAt, storableText(letter.reason), letter.raw, createHash('sha256').update(letter.raw).digest('hex'), JSON.stringify(storableAttributes(letter.attributes))],
    );
    return id;
  }

  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.db.query<DeadLetter>(
      'select id, source, message_id, received_at, reason, raw_sha256, attributes, length(raw) as size from dead_letters order by received_at desc, id limit $1',
      [options.limit ?? 100],
    );
  }

  /** The newest event time a poller has read for a source; it reads from there (less an overlap) next time. */
  async pollerCursor(source: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ event_time: string }>('select event_time from poller_cursors where source = $1', [source]);
    return row?.event_time;
  }

  async setPollerCursor(source: string, eventTime: string): Promise<void> {
    await this.db.query(
      `insert into poller_cursors (source, event_time) values ($1, $2)
       on conflict (source) do update set event_time = greatest(poller_cursors.event_time, excluded.event_time), updated_at = now()`,
      [source, eventTime],
    );
  }

  async deadLetter(id: string): Promise<DeadLetter | undefined> {
    const [row] = await this.db.query<DeadLetter>('select id, source, message_id, received_at, reason, raw_sha256, attributes, length(raw) as size from dead_letters where id = $1', [id]);
    return row;
  }

  async deadLetterRaw(id: string): Promise<Buffer | undefined> {
    const [row] = await this.db.query<{ raw: Buffer | Uint8Array }>('select raw from dead_letters where id = $1', [id]);
    return row ? Buffer.from(row.raw) : undefined;
  }

  /** Why a received finding started no case (out of scope): kept with the raw text, inspectable. */
  async setIntakeDisposition(findingName: string, disposition: string): Promise<void> {
    await this.db.query('update intake set disposition = $2 where finding_name = $1', [findingName, disposition]);
  }

  async intakeDisposition(findingName: string): Promise<string | null | undefined> {
    const [row] = await this.db.query<{ disposition: string | null }>('select disposition from intake where finding_name = $1', [findingName]);
    return row?.disposition;
  }

  /**
   * Notes that a finding reached its case's workflow, so that a redelivery of it is known as soon
   * as the signal lands, before the worker has joined it to the case record.
   */
  async setIntakeSignalled(findingName: string, workflowId: string, runId: string): Promise<void> {
    await this.db.query('update intake set signalled_workflow_id = $2, signalled_run_id = $3 where finding_name = $1', [findingName, workflowId, runId]);
  }

  /** The run a finding belongs to: the case that joined it (and its ID), else the run it was signalled to. */
  async runForFinding(findingName: string): Promise<{ workflowId: string; runId: string; caseId?: string } | undefined> {
    const [row] = await this.db.query<{ workflow_id: string | null; run_id: string | null; case_id: string | null }>(
      `select coalesce(c.workflow_id, i.signalled_workflow_id) as workflow_id, coalesce(c.run_id, i.signalled_run_id) as run_id, c.id as case_id
       from intake i left join case_findings f using (finding_name) left join cases c on c.id = f.case_id
       where i.finding_name = $1`,
      [findingName],
    );
    return row?.workflow_id && row.run_id ? { workflowId: row.workflow_id, runId: row.run_id, ...(row.case_id ? { caseId: row.case_id } : {}) } : undefined;
  }

  /** Cases whose record says they still run, oldest first: what the reconciler holds against Temporal. */
  async openCases(limit = 500): Promise<CaseRow[]> {
    const rows = await this.db.query<CaseRow>(
      'select * from cases where status = any($2) order by opened_at, id limit $1',
      [limit, openCaseStatuses],
    );
    return rows.map(normalizeRow);
  }

  /**
   * Closes a case whose run ended without recording it (terminated, timed out, gone): status
   * failed, the reason and the time. True only for the call that closed it, so that of several
   * reconcilers one sends the notice.
   */
  async closeAsEndedOutside(caseId: string, ended: { outcome: string; reason: string; at: string; temporalStatus: string }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockChain(tx, caseId);
      const closed = await tx.query<{ id: string }>(
        `update cases set status = 'failed', outcome = $2, closed_at = $3, updated_at = now()
          where id = $1 and status = any($4) returning id`,
        [caseId, ended.outcome, ended.at, openCaseStatuses],
      );
      if (closed.length === 0) return false;
      await insertEvent(tx, caseId, { key: 'ended-outside', at: ended.at, kind: 'failure', outcome: 'failed', detail: { reason: ended.reason, temporalStatus: ended.temporalStatus } });
      return true;
    });
  }

  /** The case goes on in another run of its workflow (a reset): everything that reaches it by run follows. */
  async moveCaseToRun(caseId: string, runId: string): Promise<void> {
    await this.db.query('update cases set run_id = $2, updated_at = now() where id = $1', [caseId, runId]);
  }

  async caseForFinding(findingName: string): Promise<CaseRow | undefined> {
    const [row] = await this.db.query<CaseRow>('select c.* from case_findings f join cases c on c.id = f.case_id where f.finding_name = $1', [findingName]);
    return row;
  }

  /**
   * What became of each named finding here: the case it joined, or what intake decided
   * (out of scope, muted), or absent when it never arrived.
   */
  async fatesOfFindings(findingNames: string[]): Promise<Map<string, { caseId: string | null; caseStatus: CaseStatus | null; disposition: string | null }>> {
    if (findingNames.length === 0) return new Map();
    const rows = await this.db.query<{ finding_name: string; case_id: string | null; status: CaseStatus | null; disposition: string | null }>(
      `select i.finding_name, f.case_id, c.status, i.disposition
         from intake i left join case_findings f using (finding_name) left join cases c on c.id = f.case_id
        where i.finding_name = any($1)`,
      [findingNames],
    );
    return new Map(rows.map((r) => [r.finding_name, { caseId: r.case_id, caseStatus: r.status, disposition: r.disposition }]));
  }

  /** The subject's other cases, newest first: what happened to this container before, or since. */
  async otherCasesForSubject(subjectKey: string, exceptCaseId: string, limit = 20): Promise<Pick<CaseRow, 'id' | 'status' | 'category' | 'opened_at'>[]> {
    const rows = await this.db.query<Pick<CaseRow, 'id' | 'status' | 'category' | 'opened_at'>>(
      'select id, status, category, opened_at from cases where subject_key = $1 and id <> $2 order by opened_at desc, id limit $3',
      [subjectKey, exceptCaseId, limit],
    );
    return rows.map((r) => ({ ...r, opened_at: iso(r.opened_at) }));
  }

  /** Each case's change mark (moved by the database on every write to the case), for those that exist. */
  async changeMarks(caseIds: string[]): Promise<Map<string, string>> {
    if (caseIds.length === 0) return new Map();
    const rows = await this.db.query<{ id: string; mark: string }>('select id, change_seq::text as mark from cases where id = any($1)', [caseIds]);
    return new Map(rows.map((r) => [r.id, r.mark]));
  }

  /** The newest change mark of any case: it moves whenever any case is opened or changes. */
  async latestChangeMark(): Promise<string> {
    const [row] = await this.db.query<{ mark: string }>('select coalesce(max(change_seq), 0)::text as mark from cases');
    return row?.mark ?? '0';
  }

  async openCase(input: { caseId: string; workflowId: string; runId: string; subjectKey: string; finding: Finding; dryRun: boolean; openedAt: string }): Promise<void> {
    const { subject } = input.finding;
    await this.db.query(
      `insert into cases (id, workflow_id, run_id, subject_key, runtime, project, cluster, service, category, severity, status, dry_run, opened_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'investigating', $11, $12) on conflict (id) do nothing`,
      [
        input.caseId,
        input.workflowId,
        input.runId,
        input.subjectKey,
        subject.runtime,
        subject.projectId,
        subject.runtime === 'gke' ? subject.cluster : null,
        subject.runtime === 'cloud-run' ? (subject.service ?? subject.job ?? null) : null,
        input.finding.category,
        input.finding.severity,
        input.dryRun,
        input.openedAt,
      ],
    );
  }

  /**
   * Links a finding to its case, and the case to the campaign the finding's indicator names. A
   * finding belongs to one case only: a second link is ignored.
   */
  async joinFinding(caseId: string, finding: Finding, at: string, campaignWindowMinutes = defaultCampaignWindowMinutes): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockChain(tx, caseId);
      // A finding that reached the workflow without going through intake is kept as normalized.
      await tx.query(
        'insert into intake (finding_name, raw, raw_sha256, finding) values ($1, $2, $3, $4) on conflict (finding_name) do nothing',
        [finding.name, JSON.stringify(finding), finding.intake.rawSha256, JSON.stringify(finding)],
      );
      await tx.query('insert into case_findings (case_id, finding_name, joined_at) values ($1, $2, $3) on conflict do nothing', [caseId, finding.name, at]);
      await joinCampaign(tx, caseId, finding, at, campaignWindowMinutes);
    });
  }

  async listCampaigns(options: { limit?: number; minCases?: number } = {}): Promise<CampaignRow[]> {
    return listCampaigns(this.db, options);
  }

  async campaignsOfCase(caseId: string): Promise<CampaignRow[]> {
    return campaignsOfCase(this.db, caseId);
  }

  /** Whether the case collects pod-level evidence for its campaign, decided once (see samplingFor). */
  async campaignSampling(caseId: string, sampleSize: number, findingName?: string): Promise<CampaignSampling | undefined> {
    return this.db.transaction((tx) => samplingFor(tx, caseId, sampleSize, findingName));
  }

  /** The workload that runs the case's pod and the campaign's other pods, when they share one (see campaignWorkloadOf). */
  async campaignWorkload(caseId: string, keep: number): Promise<CampaignWorkload | undefined> {
    return campaignWorkloadOf(this.db, caseId, keep);
  }

  /** The plans of the campaign's cases that wait for a decision, under one hash. */
  async casesThatMayWaitInCampaign(caseId: string): Promise<{ caseId: string; workflowId: string; runId: string; campaignId: string }[]> {
    return casesThatMayWaitInCampaign(this.db, caseId);
  }

  async campaignPlan(id: string): Promise<CampaignPlan | undefined> {
    return campaignPlan(this.db, id);
  }

  /** The decision on record, before its cases hear of it; the ID to settle it by. */
  async recordCampaignDecision(record: CampaignDecisionRecord): Promise<string> {
    return recordCampaignDecision(this.db, record);
  }

  async settleCampaignDecision(id: string, cases: CampaignDecisionAnswer[]): Promise<void> {
    await settleCampaignDecision(this.db, id, cases);
  }

  async campaignDecisions(id: string): Promise<CampaignDecisionRecord[]> {
    return campaignDecisions(this.db, id);
  }

  /** How the case's first ready notice went, and the campaign its notices would fold into (see campaign-notices.ts). */
  async noticeStanding(caseId: string): Promise<NoticeStanding> {
    return noticeStandingOf(this.db, caseId);
  }

  async takeCampaignNoticeTurn(input: Parameters<typeof takeCampaignNoticeTurn>[1]): Promise<CampaignNoticeTurn> {
    return takeCampaignNoticeTurn(this.db, input);
  }

  async campaignNoticeDelivered(turn: Parameters<typeof campaignNoticeDelivered>[1]): Promise<void> {
    await campaignNoticeDelivered(this.db, turn);
  }

  async campaignNoticeFailed(turn: Parameters<typeof campaignNoticeFailed>[1]): Promise<void> {
    await campaignNoticeFailed(this.db, turn);
  }

  async campaignNoticeSent(campaignId: string, event: string, route: string): Promise<boolean> {
    return campaignNoticeSent(this.db, campaignId, event, route);
  }

  async campaign(id: string, limit?: number): Promise<CampaignDetail | undefined> {
    return campaignById(this.db, id, limit);
  }

  async addEvent(caseId: string, entry: TimelineEvent): Promise<void> {
    // One statement, atomic alone: no transaction around it.
    await insertEvent(this.db, caseId, entry);
  }

  /**
   * Checks the case's audit chain, and that the timeline people read still says what the chain
   * recorded; names the first entry that was changed, removed or reordered.
   */
  async verifyAudit(caseId: string): Promise<Verification> {
    const chain = await verifyAudit(this.db, caseId);
    if (!chain.intact) return chain;
    const recorded = new Map(
      (await this.db.query<{ seq: number; entry_key: string; entry: { content: Record<string, unknown> } }>('select seq, entry_key, entry from audit_log where case_id = $1', [caseId])).map((row) => [row.entry_key, row]),
    );
    for (const event of await this.db.query<{ event_key: string; step: string | null; outcome: string | null; detail: Record<string, unknown> }>('select event_key, step, outcome, detail from timeline where case_id = $1', [caseId])) {
      const entry = recorded.get(`timeline:${event.event_key}`);
      const current = canonicalJson({ step: event.step ?? undefined, outcome: event.outcome ?? undefined, detail: event.detail });
      if (!entry || canonicalJson(entry.entry.content) !== current) {
        return { intact: false, entries: chain.entries, firstBroken: { seq: entry?.seq ?? 0, key: `timeline:${event.event_key}`, reason: entry ? 'the timeline entry differs from what the audit log recorded' : 'the timeline entry is not in the audit log' } };
      }
    }
    return chain;
  }

  /** The decisions and revert requests the audit log holds, in order, and whether the case ran under signed decisions. */
  async recordedDecisions(caseId: string): Promise<{ entries: RecordedDecision[]; signaturesRequired: boolean }> {
    const rows = await this.db.query<{ entry_key: string; entry: { kind: string; at: string; content: { detail?: Record<string, unknown> } } }>(
      `select entry_key, entry from audit_log where case_id = $1 and entry->>'kind' in ('decision', 'revert-requested', 'decision-keys') order by seq`,
      [caseId],
    );
    return {
      entries: rows.filter((r) => r.entry.kind !== 'decision-keys').map((r) => ({ key: r.entry_key, kind: r.entry.kind as RecordedDecision['kind'], at: r.entry.at, detail: r.entry.content.detail ?? {} })),
      signaturesRequired: rows.some((r) => r.entry.kind === 'decision-keys'),
    };
  }

  /** A new status, with the timeline event that says so in the same transaction: no reader sees one without the other. */
  async setState(caseId: string, status: CaseStatus, fields: CaseStateFields, event?: TimelineEvent): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockChain(tx, caseId);
      // The entry before the row: an append that waits for a lone one's entry must not hold the row that one's trigger waits for.
      if (event) await insertEvent(tx, caseId, event);
      await setStateIn(tx, caseId, status, fields);
    });
  }

  async addEvidence(row: Omit<EvidenceRow, 'case_id'> & { caseId: string }): Promise<void> {
    const { caseId, ...content } = row;
    // The evidence row and its audit entry are one statement, atomic alone.
    await appendAudit(
      this.db,
      { caseId, key: `evidence:${row.id}`, at: row.collected_at, kind: 'evidence', content },
      {
        sql: `insert into evidence (id, case_id, kind, sha256, size, source, collector, collected_at, storage_path, finding_sha256, hash_check, parent_sha256)
              values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict (id) do nothing returning id`,
        params: [row.id, row.caseId, row.kind, row.sha256, row.size, JSON.stringify(row.source), row.collector, row.collected_at, row.storage_path, row.finding_sha256, row.hash_check, row.parent_sha256 ?? null],
      },
    );
  }

  async recordAction(caseId: string, key: string, result: ActionResult, dryRun: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into actions (case_id, action_key, action, target, status, dry_run, result, at) values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (case_id, action_key) do update set status = excluded.status, result = excluded.result, at = excluded.at`,
        [caseId, key, result.action, result.target, result.status, dryRun, JSON.stringify(result), result.at],
      );
      await appendAudit(tx, { caseId, key: `action:${key}:${result.status}`, at: result.at, kind: 'action', content: { ...result, dryRun } });
    });
  }

  async cachedVerdict<T>(sha256: string): Promise<{ verdict: T; ageMs: number } | undefined> {
    const [row] = await this.db.query<{ verdict: T; fetched_at: string }>('select verdict, fetched_at from virustotal_cache where sha256 = $1', [sha256]);
    return row ? { verdict: row.verdict, ageMs: Date.now() - new Date(row.fetched_at).getTime() } : undefined;
  }

  async cacheVerdict(sha256: string, verdict: unknown): Promise<void> {
    await this.db.query(
      'insert into virustotal_cache (sha256, verdict, fetched_at) values ($1, $2, now()) on conflict (sha256) do update set verdict = excluded.verdict, fetched_at = excluded.fetched_at',
      [sha256, JSON.stringify(verdict)],
    );
  }

  /**
   * One request against the VirusTotal quota shared by every worker: granted (the request's id)
   * when fewer than `perMinute` requests went out in the last `windowMs`, else how long until the
   * oldest leaves the window. Takers queue on one advisory lock, and the database's clock is the
   * only clock. A granted request counts from when it was taken until `answeredVirusTotalRequest`
   * moves it to its answer's time: VirusTotal counted it on arrival, at the latest then.
   */
  async takeVirusTotalRequest(perMinute: number, windowMs = 60_000): Promise<{ request: string } | { waitMs: number }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(${virusTotalQuotaLock})`);
      await tx.query("delete from virustotal_requests where at < clock_timestamp() - $1 * interval '1 millisecond'", [windowMs]);
      const [window] = await tx.query<{ n: number; wait_ms: number | null }>(
        "select count(*)::int as n, ceil(extract(epoch from (min(at) + $1 * interval '1 millisecond' - clock_timestamp())) * 1000)::int as wait_ms from virustotal_requests",
        [windowMs],
      );
      if (window!.n < perMinute) {
        const [granted] = await tx.query<{ id: string }>('insert into virustotal_requests (at) values (clock_timestamp()) returning id::text as id');
        return { request: granted!.id };
      }
      return { waitMs: Math.max(1, window!.wait_ms ?? 1) };
    });
  }

  /**
   * A granted request was answered (or failed): it now counts from this moment. However long it
   * took to leave the worker and reach VirusTotal, the next one then cannot land inside its minute.
   */
  async answeredVirusTotalRequest(request: string): Promise<void> {
    await this.db.query('update virustotal_requests set at = greatest(at, clock_timestamp()) where id = $1::bigint', [request]);
  }

  /** Claims the one lookup of `key` for `holder` (or renews its claim) unless another holds an unexpired one. */
  async claimVirusTotalLookup(key: string, holder: string, leaseMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `insert into virustotal_leases (key, holder, until) values ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       on conflict (key) do update set holder = excluded.holder, until = excluded.until
       where virustotal_leases.until < clock_timestamp() or virustotal_leases.holder = excluded.holder
       returning key`,
      [key, holder, leaseMs],
    );
    return rows.length === 1;
  }

  async releaseVirusTotalLookup(key: string, holder: string): Promise<void> {
    await this.db.query('delete from virustotal_leases where key = $1 and holder = $2', [key, holder]);
  }

  /** A Slack message with a case's decision buttons, once posted. */
  async recordSlackMessage(message: { channel: string; ts: string; caseId: string; planHash: string }): Promise<void> {
    await this.db.query('insert into slack_messages (channel, ts, case_id, plan_hash, posted_at) values ($1, $2, $3, $4, now()) on conflict (channel, ts) do nothing', [message.channel, message.ts, message.caseId, message.planHash]);
  }

  /** The case's messages whose buttons are still live. */
  async openSlackMessages(caseId: string): Promise<{ channel: string; ts: string; planHash: string }[]> {
    const rows = await this.db.query<{ channel: string; ts: string; plan_hash: string }>('select channel, ts, plan_hash from slack_messages where case_id = $1 and closed_at is null order by posted_at', [caseId]);
    return rows.map((r) => ({ channel: r.channel, ts: r.ts, planHash: r.plan_hash }));
  }

  async closeSlackMessage(channel: string, ts: string): Promise<void> {
    await this.db.query('update slack_messages set closed_at = now() where channel = $1 and ts = $2 and closed_at is null', [channel, ts]);
  }

  /** A console session, by the hash of its ID (the ID itself is only ever in the user's cookie). Expired ones are cleared on the way. */
  async createSession(idSha256: string, email: string, createdAt: Date, expiresAt: Date): Promise<void> {
    await this.db.query('delete from console_sessions where expires_at < $1', [createdAt.toISOString()]);
    await this.db.query('insert into console_sessions (id_sha256, email, created_at, expires_at) values ($1, $2, $3, $4)', [idSha256, email, createdAt.toISOString(), expiresAt.toISOString()]);
  }

  async sessionEmail(idSha256: string, now: Date): Promise<string | undefined> {
    const [row] = await this.db.query<{ email: string }>('select email from console_sessions where id_sha256 = $1 and expires_at > $2', [idSha256, now.toISOString()]);
    return row?.email;
  }

  async endSession(idSha256: string): Promise<void> {
    await this.db.query('delete from console_sessions where id_sha256 = $1', [idSha256]);
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const [row] = await this.db.query<CaseRow>('select * from cases where id = $1', [caseId]);
    if (!row) return undefined;
    const findings = await this.db.query<CaseRecord['findings'][number]>(
      'select f.finding_name, f.joined_at, i.raw_sha256, i.finding from case_findings f join intake i using (finding_name) where f.case_id = $1 order by f.joined_at, f.finding_name',
      [caseId],
    );
    const timeline = await this.db.query<TimelineEntry>('select event_key, at, kind, step, outcome, detail from timeline where case_id = $1 order by at, event_key', [caseId]);
    const evidence = await this.db.query<EvidenceRow>('select * from evidence where case_id = $1 order by collected_at, id', [caseId]);
    const actions = await this.db.query<{ action_key: string; dry_run: boolean; result: ActionResult }>('select action_key, dry_run, result from actions where case_id = $1 order by at, action_key', [caseId]);
    return {
      case: normalizeRow(row),
      findings: findings.map((f) => ({ ...f, joined_at: iso(f.joined_at) })),
      timeline: timeline.map((t) => ({ ...t, at: iso(t.at) })),
      evidence: evidence.map((e) => ({ ...e, size: Number(e.size), collected_at: iso(e.collected_at) })),
      actions: actions.map((a) => ({ ...a.result, action_key: a.action_key, dry_run: a.dry_run })),
    };
  }

  /** Newest first; every filter is an exact match, and they combine. */
  async listCases(filter: CaseFilter = {}): Promise<CaseRow[]> {
    const rows = await this.db.query<CaseRow>(
      `select * from cases
        where ($1::text is null or status = $1) and ($2::text is null or category = $2) and ($3::text is null or cluster = $3)
          and ($4::text is null or service = $4) and ($5::text is null or severity = $5)
        order by opened_at desc, id limit $6`,
      [filter.status ?? null, filter.category ?? null, filter.cluster ?? null, filter.service ?? null, filter.severity ?? null, filter.limit ?? 100],
    );
    return rows.map(normalizeRow);
  }

  /** How many cases are in each status now (statuses with none are absent). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db.query<{ status: string; n: string | number }>('select status, count(*) as n from cases group by status');
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  async caseById(caseId: string): Promise<CaseRow | undefined> {
    const [row] = await this.db.query<CaseRow>('select * from cases where id = $1', [caseId]);
    return row ? normalizeRow(row) : undefined;
  }

  async rawFinding(findingName: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ raw: string }>('select raw from intake where finding_name = $1', [findingName]);
    return row?.raw;
  }
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : value === null || value === undefined ? (value as never) : new Date(String(value)).toISOString();
}

function normalizeRow(row: CaseRow): CaseRow {
  const times = ['opened_at', 'ready_at', 'decided_at', 'contained_at', 'closed_at'] as const;
  const copy = { ...row };
  for (const key of times) if (copy[key] !== null) (copy as Record<string, unknown>)[key] = iso(copy[key]);
  return copy;
}

/** The event on the timeline and in the audit chain, in one statement; an event already there (a retried write) is neither. */
async function insertEvent(tx: Database, caseId: string, entry: TimelineEvent): Promise<void> {
  await appendAudit(
    tx,
    { caseId, key: `timeline:${entry.key}`, at: entry.at, kind: entry.kind, content: { step: entry.step, outcome: entry.outcome, detail: entry.detail } },
    {
      sql: 'insert into timeline (case_id, event_key, at, kind, step, outcome, detail) values ($1, $2, $3, $4, $5, $6, $7) on conflict (case_id, event_key) do nothing returning event_key',
      params: [caseId, entry.key, entry.at, entry.kind, entry.step ?? null, entry.outcome ?? null, JSON.stringify(entry.detail)],
    },
  );
}

async function setStateIn(db: Database, caseId: string, status: CaseStatus, fields: CaseStateFields): Promise<void> {
  await db.query(
    `update cases set status = $2,
       ready_at = coalesce($3, ready_at), decided_at = coalesce($4, decided_at),
       contained_at = coalesce($5, contained_at), closed_at = coalesce($6, closed_at),
       plan = coalesce($7, plan), plan_hash = coalesce($8, plan_hash), decision = coalesce($9, decision),
       outcome = coalesce($10, outcome), advice = coalesce($11, advice), updated_at = now()
     where id = $1`,
    [
      caseId,
      status,
      fields.readyAt ?? null,
      fields.decidedAt ?? null,
      fields.containedAt ?? null,
      fields.closedAt ?? null,
      fields.plan ? JSON.stringify(fields.plan) : null,
      fields.planHash ?? null,
      fields.decision ? JSON.stringify(fields.decision) : null,
      fields.outcome ?? null,
      fields.advice ?? null,
    ],
  );
}
