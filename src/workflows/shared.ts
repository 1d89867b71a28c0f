import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PlaybookId, ResponseStep } from '../findings/categories';
import type { DecisionKind, StepName } from './case-words';
import type { EvidenceSource, RetentionDays } from './collection-order';
import type { SuppressionRule } from './suppression';
import type { Finding, Severity, Subject } from '../findings/model';
import type { SignedDecision, TrustedKey } from './signed-decision';
import type { Canonicalization } from '../util/canonical-json';

/**
 * What the case workflow and its clients (CLI, intake, console) share: message definitions and
 * the types they carry. Pure: no I/O, safe in the workflow sandbox.
 */

export const defaultTaskQueue = 'scc-responder';

export interface ResponsesByRuntime {
  gke?: ResponseStep[];
  'cloud-run'?: ResponseStep[];
}

export interface Policy {
  /** Who may decide: exact e-mail addresses, or "@example.com" for a whole domain. */
  approvers: string[];
  /** Destructive actions need approvals from two different people. */
  fourEyes: boolean;
  /** Contain without waiting, for these categories at these severities. Off (null) by default. */
  autoContain: { playbooks: PlaybookId[]; severities: Severity[] } | null;
  /** An escalation notice goes out when no decision came within this time. */
  escalateAfterMs: number;
  /** With no decision by then, the case closes "not contained", nothing changed. */
  expireAfterMs: number;
  /** Run every step and plan exactly, apply nothing. */
  dryRun: boolean;
  /**
   * Per playbook and runtime, the response to plan instead of the playbook's own; `whenFlagged`
   * replaces the steps the playbook adds when the research flagged what ran (empty: add none).
   */
  responses?: Partial<Record<PlaybookId, ResponsesByRuntime & { whenFlagged?: ResponsesByRuntime }>>;
  /** Expected changes: a matching case closes as an intended change, nothing collected or contained. */
  suppressions?: SuppressionRule[];
  /** How long evidence sources keep what the case collects; the defaults are Google Cloud's. */
  retentionDays?: RetentionDays;
  relatedWindowMinutes: number;
  logWindow: { beforeMinutes: number; afterMinutes: number; maxEntries: number };
  /**
   * How hard a cloud call is retried before its failure becomes a gap and the case goes on
   * (each kind of work has its own defaults: activity-profiles.ts). Records are always retried.
   */
  retry?: { maximumAttempts?: number; initialIntervalMs?: number; maximumIntervalMs?: number };
}

export const defaultPolicy: Policy = {
  approvers: [],
  fourEyes: false,
  autoContain: null,
  escalateAfterMs: 4 * 3600_000,
  expireAfterMs: 24 * 3600_000,
  dryRun: false,
  relatedWindowMinutes: 30,
  logWindow: { beforeMinutes: 60, afterMinutes: 15, maxEntries: 200 },
};

export interface CaseInput {
  subjectKey: string;
  policy: Policy;
}

export type { StepName } from './case-words';

/**
 * Something the case could not do, and exactly why: which API refused or failed, the operation,
 * the object, the server's answer, and for a refusal the permission the table says it needs.
 */
export interface Gap {
  /** A runbook step, or `plan`, `notify`, `scc-write-back`, `project`, `containment`. */
  step: string;
  reason: string;
  errorType: string;
  service?: string;
  operation?: string;
  target?: string;
  /** HTTP status or gRPC code name, when the server answered. */
  status?: string;
  /** For a 403 or PERMISSION_DENIED: the IAM permission or RBAC rule the operation needs. */
  permission?: string;
  at: string;
}

export interface StepRecord {
  step: StepName;
  startedAt: string;
  endedAt: string;
  /** "sampled": the case's campaign collected this from the pods of its sample, not from this one. */
  outcome: 'ok' | 'gap' | 'sampled';
  summary: string;
  /** Why the runbook step could not be done, when outcome is "gap". */
  gap?: Omit<Gap, 'step' | 'at'>;
}

/** A containment or outreach action, by the name its module in `src/actions` declares. */
export type ActionName = string;

/** An object in one namespace of one GKE cluster, as an action's target names it. */
interface InCluster {
  project: string;
  location: string;
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
}

export type ActionTarget =
  | (InCluster & {
      kind: 'pod';
      resourceVersion: string;
      owner?: string;
      /** Preserve-then-replace: the ReplicaSet that lets the pod go, and the selector labels it loses. */
      replicaSet?: string;
      releasedLabels?: Record<string, string>;
    })
  | { kind: 'workload'; project: string; location: string; cluster: string; namespace: string; workloadKind: 'Deployment' | 'StatefulSet' | 'ReplicaSet'; name: string; uid: string; replicas: number; preserve?: PreservedPodTarget[] }
  | {
      kind: 'cloud-run-service';
      project: string;
      region: string;
      service: string;
      fromRevision: string;
      toRevision: string;
      etag: string;
      /** The split before the shift, for revert (absent on plans made before it was recorded). */
      previousTraffic?: { revision: string; percent: number }[];
    }
  | { kind: 'cloud-run-revision'; project: string; region: string; service: string; revision: string; image: string }
  | { kind: 'cloud-run-ingress'; project: string; region: string; service: string; fromIngress: string; toIngress: string }
  | { kind: 'owner'; recipients: string[]; campaignId?: string }
  | { kind: 'node'; project: string; location: string; cluster: string; name: string }
  /** One member of one role on a Google service account's own IAM policy, as read at `etag`. */
  | {
      kind: 'service-account-binding';
      serviceAccount: string;
      role: string;
      member: string;
      etag: string;
      /** The Kubernetes service account the member is, and the suspect pod running as it. */
      kubernetes: { project: string; location: string; cluster: string; namespace: string; serviceAccount: string; pod: string };
    }
  | { kind: 'service-account'; serviceAccount: string }
  /** A Deployment rolled back from one revision's pod template to an earlier one's, at the generation the plan read. */
  | (InCluster & {
      kind: 'deployment-rollback';
      generation: number;
      replicas: number;
      container: string;
      from: { revision: number; image: string; template: Record<string, unknown> };
      to: { revision: number; image: string; replicaSet: string; template: Record<string, unknown> };
      /** Pods kept for forensics before the rollout replaces the rest. */
      preserve?: PreservedPodTarget[];
    });

/** A pod a workload action keeps for forensics: isolated, and released from its ReplicaSet by the labels named. */
export interface PreservedPodTarget {
  name: string;
  uid: string;
  replicaSet: string;
  releasedLabels: Record<string, string>;
}

export interface PlannedAction {
  action: ActionName;
  target: ActionTarget;
  /** What applying it will do, in words: what dry-run shows and the approver approves. */
  effect: string;
  destructive: boolean;
  permissions: string[];
}

/** Beyond the suspect: what containment touches and what keeps working around it. */
export interface BlastRadius {
  runtime: 'gke' | 'cloud-run';
  owners?: { kind: string; name: string; replicas?: number }[];
  recreatedFromSameImage?: boolean;
  image?: string;
  /** A sample of the other pods of the same template (at most 20 names), and how many there are. */
  siblingPods?: string[];
  siblingPodCount?: number;
  networkPolicyEnforced?: boolean;
  selectingNetworkPolicies?: string[];
  traffic?: { revision: string; percent: number }[];
  ingress?: string;
  revisions?: number;
  /** Who else holds the cloud identity an action would cut: absent unless the plan cuts one. */
  identity?: {
    serviceAccount: string;
    /** The Kubernetes service account that acts as it (GKE), and the other pods and workloads running as that account. */
    kubernetesServiceAccount?: string;
    podsUsingIt?: string[];
    workloadsUsingIt?: string[];
    /** Every other principal the service account's own IAM policy names, as "ROLE MEMBER". */
    otherPrincipals: string[];
  };
  notes: string[];
}

export interface Plan {
  actions: PlannedAction[];
  /** The findings the plan answers: a finding that joins makes a plan of its own (absent on plans made before it was recorded). */
  findings?: string[];
  /**
   * When no action can be planned (the subject is gone, unknown or out of reach): what the
   * responder can still do by hand, from the runbook. Absent on plans made before it was recorded.
   */
  manualSteps?: string[];
  /** Absent on plans made before it was recorded. */
  blastRadius?: BlastRadius;
  /** Why actions the playbook proposes are not in the plan. */
  notes: string[];
  /** The runbook's advice for when the change turns out to be intended. */
  advice: string;
  dryRun: boolean;
  createdAt: string;
  /**
   * The plan's destructive actions are all a campaign's, in place already (planned by its cases,
   * approved and applied for them): the case is contained by the campaign, and acting only checks
   * that they still hold. Absent when any destructive action is the case's own.
   */
  campaignHeld?: { campaignId: string; actions: number[] };
  /** How `hash` was made: RFC 8785; absent on plans hashed before, with the legacy canonical JSON. */
  canonicalization?: Canonicalization;
  /** SHA-256 over the canonical plan: what a decision names. */
  hash: string;
}

/**
 * `approve` and `reject` decide a plan with actions; a plan with none (nothing can be done
 * automatically) is decided with `close` (acknowledged, nothing to do) or `watch` (keep the case
 * open: a finding that joins makes a new plan). `reject` closes either kind, as a false positive
 * when flagged.
 */
export type { DecisionKind } from './case-words';

export interface DecisionInput {
  decision: DecisionKind;
  approver: string;
  reason?: string;
  planHash: string;
  /** With a rejection: the finding was a false positive, so it is muted in SCC. */
  falsePositive?: boolean;
  /** The decision authority's signature over exactly this decision (signed-decision.ts). */
  signed?: SignedDecision;
}

export interface Decision extends DecisionInput {
  at: string;
  via: 'update' | 'signal' | 'policy' | 'campaign';
  /** How the authority established who decided (`lab`, `iap`, `oidc`), for a signed decision. */
  authenticatedVia?: string;
}

/**
 * What the workers' own configuration says about deciding, whatever policy a case was started
 * with: the authority keys that verify decisions, and the most the starter's policy may relax.
 */
export interface DecisionRules {
  keys: TrustedKey[];
  /** Four-eyes holds when either the worker or the starter asks for it. */
  fourEyes: boolean;
  /** Auto-containment only where the worker allows it too. */
  autoContain: Policy['autoContain'];
}

export interface RefusedDecision {
  at: string;
  via: 'update' | 'signal';
  approver: string;
  reason: string;
}

export interface ActionResult {
  action: ActionName;
  target: string;
  status: 'applied' | 'already-done' | 'dry-run' | 'refused' | 'failed' | 'skipped';
  detail: string;
  at: string;
}

/** `watching`: a plan with no actions, kept open by a person until a finding joins or it expires; `closed`: closed by a person with nothing to do. */
export const caseStatuses = ['investigating', 'awaiting-decision', 'escalated', 'watching', 'containing', 'contained', 'rejected', 'closed', 'expired', 'failed', 'intended-change'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

/** The statuses of a case still under way: what the reconciler holds against Temporal. */
export const openCaseStatuses: readonly CaseStatus[] = ['investigating', 'awaiting-decision', 'escalated', 'watching', 'containing'];

export type CaseOutcome =
  | 'contained'
  | 'partially-contained'
  | 'rejected'
  | 'expired-not-contained'
  | 'dry-run'
  | 'nothing-to-do'
  | 'plan-kept-changing'
  | 'intended-change'
  /** A plan with no actions, closed by a person. */
  | 'closed-by-responder'
  /** The workflow itself failed (a bug, a store that refuses a write): the record says why. */
  | 'workflow-failed';

export interface CaseFindingSummary {
  name: string;
  category: string;
  severity: Severity;
  eventTime: string;
}

export interface CaseSnapshot {
  caseId: string;
  workflowId: string;
  subjectKey: string;
  status: CaseStatus;
  findings: CaseFindingSummary[];
  steps: StepRecord[];
  /** The order evidence was collected in, most volatile first, with each source's deadline. */
  collection?: EvidenceSource[];
  plan?: Plan;
  decisions: Decision[];
  /** What a decision must name now, and how many approvals are still needed. */
  pending?: { planHash: string; approvalsNeeded: number };
  refused: RefusedDecision[];
  /** The IDs of the authority keys this case verifies decisions with (cases started before signed decisions have none). */
  trustedKeys?: string[];
  actions: ActionResult[];
  /** What could not be done outside the runbook steps: planning, notices, SCC write-back, the project ID. */
  gaps?: Gap[];
  outcome?: CaseOutcome;
  /** Why the case failed, when it did. */
  failure?: { reason: string; at: string };
}

export interface DecideResult {
  status: CaseStatus;
  approvalsNeeded: number;
}

/** A finding for the case: signal-with-start delivers the first, later ones join. */
export const findingSignal = defineSignal<[Finding]>('finding');
/** Approve or reject, validated before it is accepted (the way the CLI and console decide). */
export const decideUpdate = defineUpdate<DecideResult, [DecisionInput]>('decide');
/** The same decision for clients that can only signal: checked in the handler, refusals recorded. */
export const decisionSignal = defineSignal<[DecisionInput]>('decision');
export const statusQuery = defineQuery<CaseSnapshot>('status');
/**
 * Asks the case to read its workers' decision keys again (after a key rotation). It carries
 * nothing and proves nothing: the keys come from the workers' configuration, so anyone may send it.
 */
export const refreshDecisionKeysSignal = defineSignal('refresh-decision-keys');

/** A case of the campaign put one of its workload actions in place: a case waiting on a plan with that action plans again, and may find it contained. */
export interface CampaignActed {
  campaignId: string;
  /** The action put in place (its name). */
  action: string;
  /** The case that applied it. */
  byCase: string;
}
export const campaignActedSignal = defineSignal<[CampaignActed]>('campaign-acted');

/** One case per subject at a time: the container (GKE) or the Cloud Run resource. */
export function subjectKeyOf(subject: Subject): string {
  if (subject.runtime === 'gke') {
    return ['gke', subject.projectId, subject.location, subject.cluster, subject.namespace, subject.pod, subject.container].join('/');
  }
  const resource = subject.job ? `job/${subject.job}` : `service/${subject.service ?? '-'}/${subject.revision ?? '-'}`;
  return ['run', subject.projectId, subject.region, resource].join('/');
}

/** The prefix keeps deployments that share a Temporal namespace apart. */
export function workflowIdFor(subjectKey: string, prefix = 'scc-case'): string {
  return `${prefix}/${subjectKey}`;
}

/**
 * Short, stable and unique per case: what people type in `approve CASE`. Workflows derive it from
 * the first run's ID, which a reset keeps, so a case keeps its ID across the way out of a history
 * that no longer replays.
 */
export function caseIdFor(runId: string): string {
  return `case-${runId.replace(/-/g, '').slice(0, 12)}`;
}

export function isApprover(policy: Pick<Policy, 'approvers'>, email: string): boolean {
  return onAddressList(policy.approvers, email);
}

/** Whether an address is on a list of addresses and `@domain` entries (approvers, viewers). */
export function onAddressList(list: readonly string[], email: string): boolean {
  const address = email.trim().toLowerCase();
  if (!/^[^\s@]{1,64}@[a-z0-9.-]{1,253}$/.test(address)) return false;
  return list.some((entry) => {
    const allowed = entry.trim().toLowerCase();
    return allowed.startsWith('@') ? address.endsWith(allowed) : address === allowed;
  });
}

/** What a change of a case's status writes beside it in the record. */
export interface CaseStateFields {
  readyAt?: string;
  decidedAt?: string;
  containedAt?: string;
  closedAt?: string;
  plan?: Plan;
  planHash?: string;
  decision?: Decision[];
  outcome?: string;
  advice?: string;
}
