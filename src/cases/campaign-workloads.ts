import type { PlannedAction } from '../workflows/shared';
import type { Database } from './database';

/**
 * Where a campaign's cause is: the workload that runs the pods of its cases. When several cases
 * of one campaign are pods of the same workload, the image (or the template) is what they share,
 * and replacing each pod starts the same thing again; the response belongs to the workload.
 * Read from what each case's pod step recorded (its owner chain), so it costs no cloud call.
 */

export interface CampaignWorkload {
  campaignId: string;
  /** The topmost owner of the case's pod, as its pod step found it. */
  workload: { kind: string; name: string };
  /** The campaign's cases whose pods this workload runs, this one among them. */
  cases: number;
  /**
   * Pods to keep for forensics, at most `keep`: those of the campaign's first cases in this
   * namespace, in the order they joined (the ones that collect its evidence), leaving out pods a
   * pod step found under another owner. Fixed by the order of joining, so every case of the
   * campaign plans to keep the same pods, and what is kept is what was examined.
   */
  keep: string[];
  /** The images those pods ran, as their pod steps read them: no rollback goes back to one of them. */
  images: string[];
  /** The workload actions the campaign's cases planned for this workload, each once: one of them may be done already. */
  planned: PlannedAction[];
}

const workloadActions = ['rollback-workload', 'scale-workload-to-zero'];

export async function campaignWorkloadOf(db: Database, caseId: string, keep: number): Promise<CampaignWorkload | undefined> {
  const [mine] = await db.query<{ campaign_id: string; cluster: string; namespace: string; kind: string | null; name: string | null }>(
    `select m.campaign_id, m.cluster, m.namespace, t.detail -> 'owners' -> -1 ->> 'kind' as kind, t.detail -> 'owners' -> -1 ->> 'name' as name
       from campaign_cases m join timeline t on t.case_id = m.case_id and t.event_key = 'evidence:pod'
      where m.case_id = $1 and m.runtime = 'gke'
      order by m.joined_at, m.campaign_id limit 1`,
    [caseId],
  );
  if (!mine?.kind || !mine.name) return undefined;
  const peers = await db.query<{ pod: string; kind: string | null; name: string | null; images: string[] | null }>(
    `select m.pod, t.detail -> 'owners' -> -1 ->> 'kind' as kind, t.detail -> 'owners' -> -1 ->> 'name' as name,
            (select array_agg(c ->> 'image') from jsonb_array_elements(coalesce(t.detail -> 'pod' -> 'containers', '[]'::jsonb)) c where c ->> 'image' is not null) as images
       from campaign_cases m left join timeline t on t.case_id = m.case_id and t.event_key = 'evidence:pod'
      where m.campaign_id = $1 and m.cluster = $2 and m.namespace = $3
      order by m.ordinal`,
    [mine.campaign_id, mine.cluster, mine.namespace],
  );
  const same = peers.filter((p) => p.kind === mine.kind && p.name === mine.name);
  const [location, cluster] = mine.cluster.split('/');
  const planned = await db.query<{ action: PlannedAction }>(
    `select distinct a as action
       from campaign_cases m join cases k on k.id = m.case_id, jsonb_array_elements(coalesce(k.plan -> 'actions', '[]'::jsonb)) a
      where m.campaign_id = $1 and a ->> 'action' = any($2) and a -> 'target' ->> 'location' = $3 and a -> 'target' ->> 'cluster' = $4
        and a -> 'target' ->> 'namespace' = $5 and a -> 'target' ->> 'name' = $6`,
    [mine.campaign_id, workloadActions, location, cluster, mine.namespace, mine.name],
  );
  return {
    campaignId: mine.campaign_id,
    workload: { kind: mine.kind, name: mine.name },
    cases: same.length,
    keep: peers.filter((p) => p.kind === null || (p.kind === mine.kind && p.name === mine.name)).slice(0, Math.max(0, keep)).map((p) => p.pod),
    images: [...new Set(same.flatMap((p) => p.images ?? []))].sort(),
    planned: planned.map((r) => r.action),
  };
}
