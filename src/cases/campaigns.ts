import { createHash } from 'node:crypto';
import { campaignKeyOf, type CampaignIndicatorKind } from '../findings/campaign-key';
import type { Finding } from '../findings/model';
import type { CaseStatus } from '../workflows/shared';
import type { Database } from './database';
import { locksHeldBy } from './transaction-locks';

/**
 * Campaigns: the cases whose findings share what makes them one incident (campaignKeyOf), while
 * the indicator keeps turning up. A campaign stays open as long as a new case joins it within
 * the window of the last one; after a quiet window the next case starts a new one. Joining runs
 * in the transaction that links the finding to its case, under a lock per key, so workers that
 * open cases of one storm together build one campaign.
 */

/** Advisory locks of campaign joins: the first key of the pair (any constant no other lock uses). */
const campaignLock = 746_211_804;

export interface CampaignRow {
  id: string;
  kind: CampaignIndicatorKind;
  indicator: string;
  category: string | null;
  firstCaseAt: string;
  lastCaseAt: string;
  cases: number;
  pods: number;
  clusters: number;
  projects: number;
  byStatus: Record<string, number>;
}

export interface CampaignMember {
  caseId: string;
  status: CaseStatus;
  category: string;
  joinedAt: string;
  findingName: string;
  project: string;
  runtime: 'gke' | 'cloud-run';
  /** `location/cluster` on GKE. */
  cluster: string | null;
  namespace: string | null;
  pod: string | null;
  /** The Cloud Run service or job. */
  service: string | null;
  revision: string | null;
  image: string | null;
  /** What the case's step 3 found owns the pod, topmost (e.g. `Deployment checkout-api`); null before it ran or when nothing owns it. */
  workload: string | null;
  /** Whether the case collected pod-level evidence for the campaign or was sampled; null before its investigation began, or for cases without sampling. */
  evidence: 'collected' | 'sampled' | null;
}

export interface CampaignDetail extends CampaignRow {
  members: CampaignMember[];
  /** Distinct workloads and where they run: what a response at the level of the cause acts on. */
  workloads: string[];
}

export const defaultCampaignWindowMinutes = 24 * 60;

/**
 * Takes the join locks of every campaign the findings name, in the order of the locks. A
 * transaction that joins several findings (a case's write takes in all that arrived since the
 * last) takes them first, in this one order: taken finding by finding, two cases whose findings
 * name the same two indicators in opposite orders each held one and waited for the other.
 * `joinCampaign` taking a lock again is no wait: a session holds its own advisory locks.
 */
export async function lockCampaignsOf(tx: Database, findings: readonly Finding[]): Promise<void> {
  const locked = locksHeldBy(tx, 'campaign-join');
  const keys = [...new Set(findings.flatMap((finding) => campaignKeyOf(finding)?.key ?? []))].filter((key) => !locked.has(key));
  if (keys.length === 0) return;
  // Ordered by the lock itself, not the key: two keys of one hash are one lock.
  await tx.query(`select count(pg_advisory_xact_lock(${campaignLock}, lock)) from (select distinct hashtext(key) as lock from unnest($1::text[]) as key order by lock) as ordered`, [keys]);
  for (const key of keys) locked.add(key);
}

/** Puts the case in the campaign its finding names, once; a finding without an indicator joins none. */
export async function joinCampaign(tx: Database, caseId: string, finding: Finding, at: string, windowMinutes = defaultCampaignWindowMinutes): Promise<string | undefined> {
  const key = campaignKeyOf(finding);
  if (!key) return undefined;
  const locked = locksHeldBy(tx, 'campaign-join');
  if (!locked.has(key.key)) {
    await tx.query(`select pg_advisory_xact_lock(${campaignLock}, hashtext($1))`, [key.key]);
    locked.add(key.key);
  }
  // Whether the case is in the key's campaign already, and which campaign is open for it, in one round trip.
  const [found] = await tx.query<{ already: string | null; open: string | null }>(
    `select (select c.id from campaign_cases m join campaigns c on c.id = m.campaign_id where m.case_id = $1 and c.key = $2 limit 1) as already,
            (select id from campaigns where key = $2 and last_case_at >= $3::timestamptz - $4 * interval '1 minute' order by last_case_at desc limit 1) as open`,
    [caseId, key.key, at, windowMinutes],
  );
  if (found?.already) return found.already;
  let id = found?.open ?? undefined;
  if (id) {
    await tx.query('update campaigns set last_case_at = greatest(last_case_at, $2::timestamptz), first_case_at = least(first_case_at, $2::timestamptz) where id = $1', [id, at]);
  } else {
    id = `campaign-${createHash('sha256').update(`${key.key}\n${caseId}\n${at}`).digest('hex').slice(0, 12)}`;
    await tx.query('insert into campaigns (id, key, kind, indicator, category, first_case_at, last_case_at) values ($1, $2, $3, $4, $5, $6, $6)', [id, key.key, key.kind, key.indicator, key.category ?? null, at]);
  }
  const { subject } = finding;
  const gke = subject.runtime === 'gke';
  await tx.query(
    `insert into campaign_cases (campaign_id, case_id, finding_name, joined_at, project, runtime, cluster, namespace, pod, service, revision, image, ordinal)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, (select coalesce(max(ordinal), 0) + 1 from campaign_cases where campaign_id = $1)) on conflict do nothing`,
    [
      id,
      caseId,
      finding.name,
      at,
      subject.projectId,
      subject.runtime,
      gke ? `${subject.location}/${subject.cluster}` : null,
      gke ? subject.namespace : null,
      gke ? subject.pod : null,
      gke ? null : (subject.service ?? subject.job ?? null),
      gke ? null : (subject.revision ?? subject.execution ?? null),
      subject.imageDigest ?? subject.imageUri ?? null,
    ],
  );
  return id;
}

/** Whether a case of a campaign collects the pod-level evidence itself or relies on the campaign's sample. */
export interface CampaignSampling {
  campaignId: string;
  /** The case's place in the campaign: 1 for the case that started it. */
  ordinal: number;
  sampleSize: number;
  /** True for the campaign's first `sampleSize` cases: they collect; the rest record that they were sampled. */
  collects: boolean;
  /** The cases that collect for the campaign, in the order they joined. */
  sample: string[];
}

/**
 * The sampling role of a case in the campaign its first finding (`findingName`) joined, else its
 * earliest. Decided once: a retry, or a later change of the sample size, gets the role already recorded.
 */
export async function samplingFor(db: Database, caseId: string, sampleSize: number, findingName?: string): Promise<CampaignSampling | undefined> {
  const [member] = await db.query<{ campaign_id: string; ordinal: number }>(
    'select campaign_id, ordinal from campaign_cases where case_id = $1 order by finding_name = $2 desc, joined_at, campaign_id limit 1',
    [caseId, findingName ?? ''],
  );
  if (!member) return undefined;
  const [{ evidence }] = (await db.query<{ evidence: 'collected' | 'sampled' }>(
    'update campaign_cases set evidence = coalesce(evidence, $3) where campaign_id = $1 and case_id = $2 returning evidence',
    [member.campaign_id, caseId, member.ordinal <= sampleSize ? 'collected' : 'sampled'],
  )) as [{ evidence: 'collected' | 'sampled' }];
  const sample = await db.query<{ case_id: string }>("select case_id from campaign_cases where campaign_id = $1 and ordinal <= $2 and coalesce(evidence, 'collected') = 'collected' order by ordinal", [member.campaign_id, sampleSize]);
  return { campaignId: member.campaign_id, ordinal: member.ordinal, sampleSize, collects: evidence === 'collected', sample: sample.map((r) => r.case_id) };
}

const summaryColumns = `c.id, c.kind, c.indicator, c.category, c.first_case_at, c.last_case_at,
  count(*)::int as cases,
  count(distinct coalesce(m.cluster || '/' || m.namespace || '/' || m.pod, m.service || '/' || coalesce(m.revision, '')))::int as pods,
  count(distinct coalesce(m.cluster, m.service))::int as clusters,
  count(distinct m.project)::int as projects`;

type SummaryRow = { id: string; kind: CampaignIndicatorKind; indicator: string; category: string | null; first_case_at: unknown; last_case_at: unknown; cases: number; pods: number; clusters: number; projects: number };

async function withStatuses(db: Database, rows: SummaryRow[]): Promise<CampaignRow[]> {
  if (rows.length === 0) return [];
  const counts = await db.query<{ campaign_id: string; status: string; n: number }>(
    'select m.campaign_id, k.status, count(*)::int as n from campaign_cases m join cases k on k.id = m.case_id where m.campaign_id = any($1) group by m.campaign_id, k.status',
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    indicator: r.indicator,
    category: r.category,
    firstCaseAt: iso(r.first_case_at),
    lastCaseAt: iso(r.last_case_at),
    cases: r.cases,
    pods: r.pods,
    clusters: r.clusters,
    projects: r.projects,
    byStatus: Object.fromEntries(counts.filter((c) => c.campaign_id === r.id).map((c) => [c.status, c.n])),
  }));
}

/** Campaigns of at least `minCases` cases (one case alone is no campaign), most recently active first. */
export async function listCampaigns(db: Database, options: { limit?: number; minCases?: number } = {}): Promise<CampaignRow[]> {
  const rows = await db.query<SummaryRow>(
    `select ${summaryColumns} from campaigns c join campaign_cases m on m.campaign_id = c.id
      group by c.id having count(*) >= $1 order by c.last_case_at desc, c.id limit $2`,
    [options.minCases ?? 2, options.limit ?? 100],
  );
  return withStatuses(db, rows);
}

/** The campaigns a case is in, whatever their size. */
export async function campaignsOfCase(db: Database, caseId: string): Promise<CampaignRow[]> {
  const rows = await db.query<SummaryRow>(
    `select ${summaryColumns} from campaigns c join campaign_cases m on m.campaign_id = c.id
      where c.id in (select campaign_id from campaign_cases where case_id = $1) group by c.id order by c.first_case_at, c.id`,
    [caseId],
  );
  return withStatuses(db, rows);
}

/** One campaign with its cases (first `limit` by arrival), and the workloads their pods belong to. */
export async function campaignById(db: Database, id: string, limit = 1_000): Promise<CampaignDetail | undefined> {
  const [summary] = await withStatuses(
    db,
    await db.query<SummaryRow>(`select ${summaryColumns} from campaigns c join campaign_cases m on m.campaign_id = c.id where c.id = $1 group by c.id`, [id]),
  );
  if (!summary) return undefined;
  const rows = await db.query<{
    case_id: string;
    status: CaseStatus;
    category: string;
    joined_at: unknown;
    finding_name: string;
    project: string;
    runtime: 'gke' | 'cloud-run';
    cluster: string | null;
    namespace: string | null;
    pod: string | null;
    service: string | null;
    revision: string | null;
    image: string | null;
    evidence: 'collected' | 'sampled' | null;
    owners: { kind?: string; name?: string }[] | null;
  }>(
    `select m.*, k.status, k.category, t.detail -> 'owners' as owners
       from campaign_cases m join cases k on k.id = m.case_id
       left join timeline t on t.case_id = m.case_id and t.event_key = 'evidence:pod'
      where m.campaign_id = $1 order by m.ordinal, m.case_id limit $2`,
    [id, limit],
  );
  const members = rows.map((r): CampaignMember => {
    const top = Array.isArray(r.owners) ? r.owners.at(-1) : undefined;
    return {
      caseId: r.case_id,
      status: r.status,
      category: r.category,
      joinedAt: iso(r.joined_at),
      findingName: r.finding_name,
      project: r.project,
      runtime: r.runtime,
      cluster: r.cluster,
      namespace: r.namespace,
      pod: r.pod,
      service: r.service,
      revision: r.revision,
      image: r.image,
      workload: top?.kind && top.name ? `${top.kind} ${top.name}` : null,
      evidence: r.evidence ?? null,
    };
  });
  const workloads = [...new Set(members.map((m) => (m.runtime === 'gke' ? (m.workload ? `${m.project} ${m.cluster} ${m.namespace}/${m.workload}` : null) : `${m.project} Cloud Run ${m.service}`)).filter((w): w is string => w !== null))].sort();
  return { ...summary, members, workloads };
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/**
 * The cases of `caseId`'s campaigns, other than it, that may yet wait for a decision: those that
 * wait, and those still investigating or planning, whose plan may be made before a change that
 * is in place by the time it is presented. Each plans again when it waits, and only a plan that
 * the change contains is decided by it.
 */
export async function casesThatMayWaitInCampaign(db: Database, caseId: string, limit = 10_000): Promise<{ caseId: string; workflowId: string; runId: string; campaignId: string }[]> {
  const rows = await db.query<{ case_id: string; workflow_id: string; run_id: string; campaign_id: string }>(
    `select distinct on (k.id) k.id as case_id, k.workflow_id, k.run_id, m.campaign_id
       from campaign_cases mine join campaign_cases m on m.campaign_id = mine.campaign_id join cases k on k.id = m.case_id
      where mine.case_id = $1 and m.case_id <> $1 and k.status in ('investigating', 'awaiting-decision', 'escalated')
      order by k.id limit $2`,
    [caseId, limit],
  );
  return rows.map((r) => ({ caseId: r.case_id, workflowId: r.workflow_id, runId: r.run_id, campaignId: r.campaign_id }));
}
