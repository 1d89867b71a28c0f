import { createHash } from 'node:crypto';
import type { CaseStatus, Plan } from '../workflows/shared';
import type { Database } from './database';
import { canonicalJson } from '../util/canonical-json';

/**
 * A campaign's plan: the plans of its cases that wait for a decision, under one hash. One
 * decision on that hash is that decision on each of them, by its own plan hash; a case that
 * joins, or a case whose plan changes, changes the campaign's hash, so a decision never covers
 * a plan its approver did not see.
 */

/** The statuses in which a case takes a decision on its plan. */
const deciding: readonly CaseStatus[] = ['awaiting-decision', 'escalated'];

export interface CampaignPlanCase {
  caseId: string;
  planHash: string;
  status: CaseStatus;
  /** Where the case's subject runs (`namespace/pod` on GKE, the service on Cloud Run). */
  subject: string;
  actions: string[];
  destructive: boolean;
  /** The topmost owner the plan's blast radius names, with its replicas. */
  workload: { kind: string; name: string; replicas: number | null } | null;
}

export interface CampaignPlan {
  campaignId: string;
  /** SHA-256 over the cases and their plan hashes: what a campaign decision names. */
  hash: string;
  cases: CampaignPlanCase[];
  /** How many of the cases' plans hold each action. */
  actions: Record<string, number>;
  /** What containment touches, summed over the cases: pods, the distinct workloads they belong to, and those workloads' replicas. */
  blastRadius: { cases: number; destructiveCases: number; workloads: string[]; replicas: number };
  /**
   * Each distinct change to the cloud the waiting plans make, with how many of them make it:
   * cases of one workload plan the same rollback, so it shows once, with its effect in words.
   */
  changes: { action: string; effect: string; cases: number }[];
  /** Cases of the campaign not in the plan, by status: still investigating, or decided already. */
  notDeciding: Record<string, number>;
}

export function campaignPlanHash(campaignId: string, cases: { caseId: string; planHash: string }[]): string {
  const lines = cases.map((c) => `${c.caseId} ${c.planHash}`).sort();
  return createHash('sha256').update(`scc-responder campaign plan v1\n${campaignId}\n${lines.join('\n')}\n`).digest('hex');
}

export async function campaignPlan(db: Database, campaignId: string): Promise<CampaignPlan | undefined> {
  const rows = await db.query<{ case_id: string; status: CaseStatus; plan_hash: string | null; plan: Plan | null; namespace: string | null; pod: string | null; service: string | null; cluster: string | null }>(
    `select m.case_id, k.status, k.plan_hash, k.plan, m.namespace, m.pod, m.service, m.cluster
       from campaign_cases m join cases k on k.id = m.case_id
      where m.campaign_id = $1 order by m.ordinal, m.case_id`,
    [campaignId],
  );
  if (rows.length === 0) return undefined;
  const cases: CampaignPlanCase[] = [];
  const notDeciding: Record<string, number> = {};
  for (const row of rows) {
    if (!deciding.includes(row.status) || !row.plan_hash || !row.plan) {
      notDeciding[row.status] = (notDeciding[row.status] ?? 0) + 1;
      continue;
    }
    const top = row.plan.blastRadius?.owners?.at(-1);
    cases.push({
      caseId: row.case_id,
      planHash: row.plan_hash,
      status: row.status,
      subject: row.pod ? `${row.cluster} ${row.namespace}/${row.pod}` : (row.service ?? ''),
      actions: row.plan.actions.map((a) => a.action),
      destructive: row.plan.actions.some((a) => a.destructive),
      workload: top ? { kind: top.kind, name: top.name, replicas: top.replicas ?? null } : null,
    });
  }
  const changes = new Map<string, { action: string; effect: string; cases: number }>();
  for (const row of rows) {
    if (!cases.some((c) => c.caseId === row.case_id)) continue;
    for (const action of new Set(row.plan!.actions.filter((a) => a.destructive).map((a) => canonicalJson(a)))) {
      const planned = row.plan!.actions.find((a) => canonicalJson(a) === action)!;
      const seen = changes.get(action) ?? { action: planned.action, effect: planned.effect, cases: 0 };
      seen.cases += 1;
      changes.set(action, seen);
    }
  }
  const actions: Record<string, number> = {};
  for (const c of cases) for (const action of new Set(c.actions)) actions[action] = (actions[action] ?? 0) + 1;
  const workloads = new Map<string, number>();
  for (const c of cases) {
    if (!c.workload) continue;
    const cluster = c.subject.split(' ')[0];
    const namespace = c.subject.split(' ')[1]?.split('/')[0];
    workloads.set(`${cluster} ${namespace}/${c.workload.kind} ${c.workload.name}`, c.workload.replicas ?? 0);
  }
  return {
    campaignId,
    hash: campaignPlanHash(campaignId, cases),
    cases,
    actions,
    blastRadius: { cases: cases.length, destructiveCases: cases.filter((c) => c.destructive).length, workloads: [...workloads.keys()].sort(), replicas: [...workloads.values()].reduce((a, b) => a + b, 0) },
    changes: [...changes.values()].sort((a, b) => b.cases - a.cases || a.action.localeCompare(b.action)),
    notDeciding,
  };
}

export interface CampaignDecisionRecord {
  campaignId: string;
  planHash: string;
  decision: 'approve' | 'reject';
  approver: string;
  via: string;
  reason: string | null;
  at: string;
  /**
   * What each case answered: its decision recorded (and how many approvals it still needs), or
   * why it refused. `unanswered`: sent, with no answer (yet, or ever: the sender stopped or could
   * not reach the case); the case's own record says whether the decision arrived.
   */
  cases: CampaignDecisionAnswer[];
}

export type CampaignDecisionAnswer = { caseId: string; planHash: string; outcome: 'recorded' | 'refused' | 'unanswered'; approvalsNeeded?: number; error?: string };

/**
 * A decision goes on record before any case hears of it, its cases `unanswered`; `settleCampaignDecision`
 * then writes what they answered. A sender that stops between the two leaves the truth: sent, unanswered.
 */
export async function recordCampaignDecision(db: Database, record: CampaignDecisionRecord): Promise<string> {
  const [row] = await db.query<{ id: string }>('insert into campaign_decisions (campaign_id, plan_hash, decision, approver, via, reason, at, cases) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id', [
    record.campaignId,
    record.planHash,
    record.decision,
    record.approver,
    record.via,
    record.reason,
    record.at,
    JSON.stringify(record.cases),
  ]);
  return String(row!.id);
}

export async function settleCampaignDecision(db: Database, id: string, cases: CampaignDecisionAnswer[]): Promise<void> {
  await db.query('update campaign_decisions set cases = $2 where id = $1', [id, JSON.stringify(cases)]);
}

export async function campaignDecisions(db: Database, campaignId: string): Promise<CampaignDecisionRecord[]> {
  const rows = await db.query<{ campaign_id: string; plan_hash: string; decision: 'approve' | 'reject'; approver: string; via: string; reason: string | null; at: unknown; cases: CampaignDecisionRecord['cases'] }>(
    'select * from campaign_decisions where campaign_id = $1 order by at, id',
    [campaignId],
  );
  return rows.map((r) => ({ campaignId: r.campaign_id, planHash: r.plan_hash, decision: r.decision, approver: r.approver, via: r.via, reason: r.reason, at: r.at instanceof Date ? r.at.toISOString() : new Date(String(r.at)).toISOString(), cases: r.cases }));
}
