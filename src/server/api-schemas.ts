import { z } from '@hono/zod-openapi';
import { severities } from '../findings/model';
import { caseStatuses } from '../workflows/shared';

/**
 * The HTTP API's shapes: each validates what comes in and documents what goes out. The OpenAPI
 * document is generated from these, so the document and the server cannot disagree.
 */

// An empty filter means "any", the way a cleared form field submits it. No control characters:
// PostgreSQL text cannot hold U+0000, and none belongs in a name.
// eslint-disable-next-line no-control-regex
const filterText = z.string().max(200).regex(/^[^\u0000-\u001f\u007f]*$/, 'printable text');

export const ErrorBody = z.object({ error: z.string().openapi({ example: 'no case case-0123456789ab' }) }).openapi('Error');

export const CaseIdParam = z.object({
  caseId: z
    .string()
    .regex(/^case-[0-9a-f]{12}$/, 'a case ID (case-XXXXXXXXXXXX)')
    .openapi({ param: { name: 'caseId', in: 'path' }, example: 'case-3f2a9c0d1b4e' }),
});

export const CaseListQuery = z.object({
  status: z.enum(['', ...caseStatuses]).optional().openapi({ param: { name: 'status', in: 'query' } }),
  category: filterText.optional().openapi({ param: { name: 'category', in: 'query' }, example: 'Execution: Added Binary Executed' }),
  cluster: filterText.optional().openapi({ param: { name: 'cluster', in: 'query' }, example: 'payments-prod' }),
  service: filterText.optional().openapi({ param: { name: 'service', in: 'query' } }),
  severity: z.enum(['', ...severities]).optional().openapi({ param: { name: 'severity', in: 'query' } }),
  limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ param: { name: 'limit', in: 'query' } }),
});

export const CaseSummary = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    subjectKey: z.string(),
    runtime: z.string(),
    project: z.string(),
    cluster: z.string().nullable(),
    service: z.string().nullable(),
    category: z.string(),
    severity: z.string(),
    status: z.string(),
    outcome: z.string().nullable(),
    dryRun: z.boolean(),
    openedAt: z.string(),
    readyAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    containedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .openapi('CaseSummary');

export const CaseList = z.object({ cases: z.array(CaseSummary) }).openapi('CaseList');

const Step = z.object({ step: z.string(), outcome: z.enum(['ok', 'gap', 'sampled']), startedAt: z.string().optional(), endedAt: z.string().optional(), summary: z.string(), gap: z.object({ reason: z.string(), errorType: z.string().optional() }).optional() });

export const PlanBody = z
  .object({
    hash: z.string(),
    dryRun: z.boolean(),
    createdAt: z.string(),
    advice: z.string(),
    notes: z.array(z.string()),
    actions: z.array(z.object({ action: z.string(), effect: z.string(), destructive: z.boolean(), target: z.record(z.string(), z.unknown()), permissions: z.array(z.string()) })),
    blastRadius: z.record(z.string(), z.unknown()).optional().openapi({ description: 'What containment touches beyond the suspect: owners, sibling pods, network policies, traffic.' }),
    canonicalization: z.enum(['rfc8785']).optional().openapi({ description: 'How the hash was made: SHA-256 over the plan in RFC 8785 canonical JSON; absent on plans hashed before, with the legacy canonical JSON.' }),
  })
  .openapi('Plan');

const DecisionBody = z.object({ decision: z.enum(['approve', 'reject']), approver: z.string(), at: z.string(), via: z.string(), reason: z.string().optional(), planHash: z.string(), falsePositive: z.boolean().optional() });

export const CampaignIdParam = z.object({
  campaignId: z
    .string()
    .regex(/^campaign-[0-9a-f]{12}$/, 'a campaign ID (campaign-XXXXXXXXXXXX)')
    .openapi({ param: { name: 'campaignId', in: 'path' }, example: 'campaign-5b1e0c9d2a7f' }),
});

export const CampaignSummary = z
  .object({
    id: z.string(),
    kind: z.enum(['script-sha256', 'binary-sha256', 'image-digest']).openapi({ description: 'What its cases share: the script, the binary (SHA-256), or the image digest with the category.' }),
    indicator: z.string(),
    category: z.string().nullable().openapi({ description: 'Set for an image: the same image running something else is another incident.' }),
    firstCaseAt: z.string(),
    lastCaseAt: z.string(),
    cases: z.number(),
    pods: z.number(),
    clusters: z.number(),
    projects: z.number(),
    byStatus: z.record(z.string(), z.number()),
  })
  .openapi('CampaignSummary');

export const CampaignList = z.object({ campaigns: z.array(CampaignSummary) }).openapi('CampaignList');

const CampaignDecisionAnswer = z.object({
  caseId: z.string(),
  planHash: z.string(),
  outcome: z.enum(['recorded', 'refused', 'unanswered']).openapi({ description: "unanswered: sent, and no answer came (yet, or at all: the console stopped or could not reach the case); the case's own record says whether the decision arrived" }),
  approvalsNeeded: z.number().optional(),
  error: z.string().optional(),
});

export const CampaignDetail = CampaignSummary.extend({
  members: z.array(
    z.object({
      caseId: z.string(),
      status: z.string(),
      category: z.string(),
      joinedAt: z.string(),
      findingName: z.string(),
      project: z.string(),
      runtime: z.enum(['gke', 'cloud-run']),
      cluster: z.string().nullable(),
      namespace: z.string().nullable(),
      pod: z.string().nullable(),
      service: z.string().nullable(),
      revision: z.string().nullable(),
      image: z.string().nullable(),
      workload: z.string().nullable().openapi({ description: 'The topmost owner of the pod as step 3 found it; null before that step ran, or for a bare pod.' }),
      evidence: z.enum(['collected', 'sampled']).nullable().openapi({ description: "Whether the case collected the pod-level evidence for the campaign, or left it to the campaign's sample; null before its investigation began, or when sampling is off." }),
    }),
  ),
  workloads: z.array(z.string()).openapi({ description: 'Each workload (or Cloud Run service) the cases run in, with its project and cluster.' }),
  plan: z
    .object({
      campaignId: z.string(),
      hash: z.string().openapi({ description: "SHA-256 over the deciding cases and their plan hashes: what a campaign decision names. A case that joins or re-plans changes it." }),
      cases: z.array(
        z.object({
          caseId: z.string(),
          planHash: z.string(),
          status: z.string(),
          subject: z.string(),
          actions: z.array(z.string()),
          destructive: z.boolean(),
          workload: z.object({ kind: z.string(), name: z.string(), replicas: z.number().nullable() }).nullable(),
        }),
      ),
      actions: z.record(z.string(), z.number()).openapi({ description: "How many of the cases' plans hold each action." }),
      blastRadius: z.object({ cases: z.number(), destructiveCases: z.number(), workloads: z.array(z.string()), replicas: z.number() }),
      changes: z
        .array(z.object({ action: z.string(), effect: z.string(), cases: z.number() }))
        .openapi({ description: "Each distinct change to the cloud the waiting plans make, with its effect and how many case plans make it: a workload's rollback planned by each of its cases shows once." }),
      notDeciding: z.record(z.string(), z.number()).openapi({ description: 'Cases not in the plan, by status: still investigating, or decided.' }),
    })
    .nullable()
    .openapi({ description: "The plans of the campaign's cases that wait for a decision, under one hash; null when none does." }),
  decisions: z.array(
    z.object({
      campaignId: z.string(),
      planHash: z.string(),
      decision: z.enum(['approve', 'reject']),
      approver: z.string(),
      via: z.string(),
      reason: z.string().nullable(),
      at: z.string(),
      cases: z.array(CampaignDecisionAnswer),
    }),
  ),
  canDecide: z.boolean().openapi({ description: "Whether the signed-in user may decide the campaign's plan now." }),
}).openapi('CampaignDetail');

export const CampaignDecisionRequest = z
  .object({
    decision: z.enum(['approve', 'reject']).openapi({ description: "approve or reject every deciding case's plan at once." }),
    planHash: z.string().regex(/^[0-9a-f]{64}$/, "the SHA-256 of the campaign's plan being decided"),
    reason: z.string().max(2000).optional(),
    cases: z
      .array(z.object({ caseId: z.string().regex(/^case-[0-9a-f]{12}$/, 'a case ID (case-XXXXXXXXXXXX)'), planHash: z.string().regex(/^[0-9a-f]{64}$/, "the SHA-256 of the case's plan") }).strict())
      .min(1)
      .max(10_000)
      .optional()
      .openapi({
        description:
          "The cases of the plan decided, each with its plan hash, as the approver saw them (the plan's `cases`); they must hash to planHash. " +
          'With them, the decision goes to those of them still waiting on the plan seen, however many joined or re-planned since: in a storm the campaign changes faster than a person reads. ' +
          "Without them, planHash must be the campaign's plan now.",
      }),
  })
  .strict()
  .openapi('CampaignDecisionRequest');

export const CampaignDecisionResult = z
  .object({
    campaignId: z.string(),
    planHash: z.string(),
    decision: z.enum(['approve', 'reject']),
    cases: z.array(CampaignDecisionAnswer),
  })
  .openapi('CampaignDecisionResult');

export const CaseDetail = z
  .object({
    case: CaseSummary,
    findings: z.array(z.object({ name: z.string(), category: z.string(), severity: z.string(), eventTime: z.string(), joinedAt: z.string() })),
    related: z
      .array(z.object({ name: z.string(), category: z.string(), severity: z.string(), eventTime: z.string(), caseId: z.string().nullable(), caseStatus: z.string().nullable(), here: z.boolean(), disposition: z.string().nullable() }))
      .openapi({ description: 'Other findings step 1 found for the same container at a similar time, each with the case it joined here (null: it never arrived, or intake set it aside as `disposition` says).' }),
    otherCases: z.array(z.object({ id: z.string(), status: z.string(), category: z.string(), openedAt: z.string() })).openapi({ description: "The same subject's other cases, newest first (up to 20)." }),
    campaigns: z.array(CampaignSummary).openapi({ description: 'The campaigns this case is in: other cases whose findings share its script, binary or image (one case alone is a campaign of one).' }),
    timeline: z.array(z.object({ key: z.string(), at: z.string(), kind: z.string(), step: z.string().nullable(), outcome: z.string().nullable(), detail: z.record(z.string(), z.unknown()) })),
    gaps: z.array(z.object({ step: z.string(), reason: z.string() })),
    plan: PlanBody.nullable(),
    decisions: z.array(DecisionBody),
    actions: z.array(z.object({ action: z.string(), target: z.string(), status: z.string(), detail: z.string(), at: z.string(), dryRun: z.boolean() })),
    live: z
      .object({
        status: z.string(),
        steps: z.array(Step),
        pending: z.object({ planHash: z.string(), approvalsNeeded: z.number() }).nullable(),
        refused: z.array(z.object({ at: z.string(), approver: z.string(), reason: z.string() })),
      })
      .nullable()
      .openapi({ description: "The running workflow's own view (a query); null when it cannot be asked right now." }),
    liveError: z.string().optional(),
    temporal: z
      .object({ status: z.string(), closedAt: z.string().optional(), reason: z.string().optional(), stuck: z.string().optional() })
      .optional()
      .openapi({ description: "Temporal's own word on the run, present when it differs from the record: a run that ended without recording it, or one that is stuck." }),
    canDecide: z.boolean().openapi({ description: 'Whether the caller is on the approvers list and the case waits for a decision.' }),
  })
  .openapi('CaseDetail');

export const EvidenceBody = z
  .object({
    artifacts: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        sha256: z.string(),
        size: z.number(),
        source: z.record(z.string(), z.unknown()),
        collector: z.string(),
        collectedAt: z.string(),
        hashCheck: z.string(),
        findingSha256: z.string().nullable(),
        parentSha256: z.string().nullable(),
        /** Everyone who downloaded the artifact from the console, in order: the rest of its chain of custody. */
        downloads: z.array(z.object({ by: z.string(), via: z.string(), at: z.string() })),
      }),
    ),
    virusTotal: z.array(z.record(z.string(), z.unknown())).openapi({ description: 'One verdict per hash: found (with engine counts), unknown, or not-configured.' }),
    mitre: z.array(z.object({ id: z.string(), name: z.string(), tactic: z.string(), meaning: z.string() })),
  })
  .openapi('Evidence');

export const DecisionRequest = z
  .object({
    decision: z.enum(['approve', 'reject', 'close', 'watch']).openapi({ description: 'approve or reject a plan that contains; close or watch (keep open until a finding joins) one that contains nothing.' }),
    planHash: z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the plan being decided'),
    reason: z.string().max(2000).optional(),
    falsePositive: z.boolean().optional().openapi({ description: 'With a rejection: mute the finding in SCC as a false positive.' }),
  })
  .strict()
  .openapi('DecisionRequest');

export const RevertRequest = z
  .object({
    reason: z.string().trim().min(1, 'a revert needs a reason').max(2000),
    dryRun: z.boolean().optional().openapi({ description: 'Say what would be reverted, change nothing.' }),
  })
  .strict()
  .openapi('RevertRequest');

const ActionResultBody = z.object({ action: z.string(), target: z.string(), status: z.string(), detail: z.string(), at: z.string() });

export const RevertResult = z
  .object({ caseId: z.string(), requestedBy: z.string(), results: z.array(ActionResultBody), irreversible: z.array(z.object({ action: z.string(), target: z.string(), reason: z.string() })) })
  .openapi('RevertResult');

export const DecisionResult = z.object({ caseId: z.string(), status: z.string(), approvalsNeeded: z.number() }).openapi('DecisionResult');

export const Me = z.object({ email: z.string(), via: z.enum(['iap', 'oidc', 'lab']), approver: z.boolean() }).openapi('Me');

export const SignInRequest = z.object({ email: z.string().max(320), password: z.string().max(1024) }).strict().openapi('SignInRequest');

export const EvidenceParam = z.object({
  caseId: z.string().regex(/^case-[0-9a-f]{12}$/).openapi({ param: { name: 'caseId', in: 'path' }, example: 'case-0123456789ab' }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).openapi({ param: { name: 'sha256', in: 'path' } }),
});

export const LogsBody = z
  .object({
    collections: z.array(
      z.object({
        sha256: z.string(),
        window: z.object({ from: z.string(), to: z.string(), maxEntries: z.number() }),
        queries: z.array(
          z.object({
            name: z.string(),
            /** The filter as sent: paste it into Logs Explorer. */
            filter: z.string(),
            logsExplorerUrl: z.string().nullable(),
            total: z.number(),
            truncated: z.boolean(),
            entries: z.array(z.object({ timestamp: z.string(), severity: z.string(), logName: z.string(), text: z.string() })),
          }),
        ),
      }),
    ),
    /** Entries shown per query at most; the evidence artifact holds them all. */
    shownPerQuery: z.number(),
  })
  .openapi('Logs');
