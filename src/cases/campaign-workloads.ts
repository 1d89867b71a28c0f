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
  /**
   * What this case's own subject ran: the images of its pod (as its pod step read them), or its
   * Cloud Run revision. A campaign action that went to one of them does not contain this case.
   */
  own: string[];
  /** The workload actions the campaign's cases planned for this workload, each once: one of them may be done already. */
  planned: PlannedAction[];
}

const workloadActions = ['rollback-workload', 'scale-workload-to-zero'];
const serviceActions = ['shift-traffic-to-previous-revision'];

export async function campaignWorkloadOf(db: Database, caseId: string, keep: number): Promise<CampaignWorkload | undefined> {
  const [mine] = await db.query<{ campaign_id: string; runtime: 'gke' | 'cloud-run'; project: string; service: string | null; revision: string | null; images: string[] | null; cluster: string; namespace: string; pod: string; kind: string | null; name: string | null }>(
    `select m.campaign_id, m.runtime, m.project, m.service, m.revision, m.cluster, m.namespace, m.pod, t.detail -> 'owners' -> -1 ->> 'kind' as kind, t.detail -> 'owners' -> -1 ->> 'name' as name,
            (select array_agg(c ->> 'image') from jsonb_array_elements(coalesce(t.detail -> 'pod' -> 'containers', '[]'::jsonb)) c where c ->> 'image' is not null) as images
       from campaign_cases m left join timeline t on t.case_id = m.case_id and t.event_key = 'evidence:pod'
      where m.case_id = $1
      order by m.joined_at, m.campaign_id limit 1`,
    [caseId],
  );
  if (!mine) return undefined;
  if (mine.runtime === 'cloud-run') return mine.service ? { ...(await campaignServiceOf(db, mine.campaign_id, mine.project, mine.service)), own: mine.revision ? [mine.revision] : [] } : undefined;
  const peers = await db.query<{ case_id: string; pod: string; kind: string | null; name: string | null; replica_set: string | null; images: string[] | null }>(
    `select m.case_id, m.pod, t.detail -> 'owners' -> -1 ->> 'kind' as kind, t.detail -> 'owners' -> -1 ->> 'name' as name,
            (select o ->> 'name' from jsonb_array_elements(coalesce(t.detail -> 'owners', '[]'::jsonb)) o where o ->> 'kind' = 'ReplicaSet' limit 1) as replica_set,
            (select array_agg(c ->> 'image') from jsonb_array_elements(coalesce(t.detail -> 'pod' -> 'containers', '[]'::jsonb)) c where c ->> 'image' is not null) as images
       from campaign_cases m left join timeline t on t.case_id = m.case_id and t.event_key = 'evidence:pod'
      where m.campaign_id = $1 and m.cluster = $2 and m.namespace = $3
      order by m.ordinal`,
    [mine.campaign_id, mine.cluster, mine.namespace],
  );
  // A pod gone before its case looked (a finding that came late) is known by its name: a ReplicaSet
  // names its pods `<replicaset>-<suffix>`, and the campaign's other cases recorded which ReplicaSets run which workload.
  const owner = mine.kind && mine.name ? { kind: mine.kind, name: mine.name } : ownerByReplicaSetName(mine.pod, peers);
  if (!owner) return undefined;
  const same = peers.filter((p) => p.case_id === caseId || (p.kind === owner.kind && p.name === owner.name));
  const [location, cluster] = mine.cluster.split('/');
  const planned = await plannedByCampaign(db, mine.campaign_id, workloadActions, { project: mine.project, location, cluster, namespace: mine.namespace, name: owner.name });
  return {
    campaignId: mine.campaign_id,
    workload: owner,
    cases: same.length,
    keep: peers.filter((p) => p.kind === null || (p.kind === owner.kind && p.name === owner.name)).slice(0, Math.max(0, keep)).map((p) => p.pod),
    images: [...new Set(same.flatMap((p) => p.images ?? []))].sort(),
    own: mine.images ?? [],
    planned,
  };
}

/** On Cloud Run the service is the workload: its traffic is one thing, whichever revision a case names. */
async function campaignServiceOf(db: Database, campaignId: string, project: string, service: string): Promise<CampaignWorkload> {
  const [{ cases }] = (await db.query<{ cases: number }>('select count(*)::int as cases from campaign_cases where campaign_id = $1 and project = $2 and service = $3', [campaignId, project, service])) as [{ cases: number }];
  const planned = await plannedByCampaign(db, campaignId, serviceActions, { project, service });
  return { campaignId, workload: { kind: 'Service', name: service }, cases, keep: [], images: [], own: [], planned };
}

function ownerByReplicaSetName(pod: string, peers: { pod: string; kind: string | null; name: string | null; replica_set: string | null }[]): { kind: string; name: string } | undefined {
  const peer = peers.find((p) => p.replica_set && p.kind && p.name && pod.startsWith(`${p.replica_set}-`) && pod.length > p.replica_set.length + 1);
  return peer ? { kind: peer.kind!, name: peer.name! } : undefined;
}

/** The actions of `actions` the campaign's cases planned on the target whose fields are `target`, each once. */
async function plannedByCampaign(db: Database, campaignId: string, actions: readonly string[], target: Record<string, string | undefined>): Promise<PlannedAction[]> {
  const fields = Object.entries(target);
  // Field names are this module's own; their values are bound parameters like the rest.
  const matches = fields.map((_, i) => `a -> 'target' ->> $${3 + 2 * i} = $${4 + 2 * i}`).join(' and ');
  const rows = await db.query<{ action: PlannedAction }>(
    `select distinct a as action
       from campaign_cases m join cases k on k.id = m.case_id, jsonb_array_elements(coalesce(k.plan -> 'actions', '[]'::jsonb)) a
      where m.campaign_id = $1 and a ->> 'action' = any($2) and ${matches}`,
    [campaignId, actions, ...fields.flatMap(([key, value]) => [key, value ?? null])],
  );
  return rows.map((r) => r.action);
}
