import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { playbookIds } from '../findings/categories';
import { scopeSchema } from '../intake/scope';
import { parseTrustedKey } from './trusted-key';
import { parseClusterName } from '../cloud/cluster-access';
import { iapDefaults } from './iap-defaults';
import { resolveTemporalSection, TemporalConnectionError, temporalTlsSchema } from './temporal-connection';
import { defaultPolicy, defaultTaskQueue } from '../workflows/shared';

/**
 * One typed configuration for the worker and the CLI, validated at start: a JSON file
 * (SCC_CONFIG, or the stack file the dev stack writes in the data folder) overlaid by the
 * environment. Secrets come from the environment; they are never printed.
 */

export const defaultCaptureImage = 'docker.io/library/busybox:1.36@sha256:73aaf090f3d85aa34ee199857f03fa3a95c8ede2ffd4cc2cdb5b94e566b11662';

const playbookId = z.enum(playbookIds);
// Checked against the worker's action registry when the worker starts (unknownActionsIn): configuration does not load the actions.
const actionName = z.string().regex(/^[a-z][a-z0-9-]{0,62}[a-z0-9]$/, 'an action name: lower-case words joined by hyphens');
const responseStep = z.union([actionName, z.array(actionName).min(1)]);
const byRuntime = { gke: z.array(responseStep).optional(), 'cloud-run': z.array(responseStep).optional() };
const response = z.strictObject({ ...byRuntime, whenFlagged: z.strictObject(byRuntime).optional() });
const names = z.array(z.string().min(1).max(256)).max(1000).optional();

const suppressionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  reason: z.string().min(1).max(500),
  projects: names,
  namespaces: names,
  services: names,
  images: names,
  binaries: z.array(z.string().regex(/^\//, 'an absolute path')).max(1000).optional(),
  sha256s: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase SHA-256')).max(1000).optional(),
});

const policySchema = z.object({
  approvers: z.array(z.string().regex(/^(@[a-z0-9.-]+|[^\s@]+@[a-z0-9.-]+)$/i, 'an e-mail address or @domain')).default(defaultPolicy.approvers),
  fourEyes: z.boolean().default(defaultPolicy.fourEyes),
  autoContain: z
    .object({
      playbooks: z.array(playbookId),
      severities: z.array(z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'SEVERITY_UNSPECIFIED'])),
    })
    .nullable()
    .default(null),
  escalateAfterMs: z.number().int().positive().default(defaultPolicy.escalateAfterMs),
  expireAfterMs: z.number().int().positive().default(defaultPolicy.expireAfterMs),
  dryRun: z.boolean().default(false),
  relatedWindowMinutes: z.number().int().positive().default(defaultPolicy.relatedWindowMinutes),
  logWindow: z.object({ beforeMinutes: z.number().int().positive(), afterMinutes: z.number().int().nonnegative(), maxEntries: z.number().int().positive().max(10_000) }).default(defaultPolicy.logWindow),
  responses: z.partialRecord(playbookId, response).optional(),
  suppressions: z.array(suppressionSchema).max(500).optional(),
  retentionDays: z.strictObject({ defaultBucket: z.number().int().positive(), requiredBucket: z.number().int().positive(), findings: z.number().int().positive() }).optional(),
  retry: z.strictObject({ maximumAttempts: z.number().int().min(1).max(100).optional(), initialIntervalMs: z.number().int().min(10).max(600_000).optional(), maximumIntervalMs: z.number().int().min(10).max(3_600_000).optional() }).optional(),
});

/** How the worker reaches a finding's cluster (src/cloud/cluster-access.ts). */
const clusterAccessSchema = z
  .strictObject({
    /** `projects/P/locations/L/clusters/C`: the cluster the worker runs in, the only one in-cluster credentials are used for. */
    ownCluster: z.string().transform((text, ctx) => {
      const cluster = parseClusterName(text);
      if (!cluster) ctx.addIssue({ code: 'custom', message: 'a cluster name projects/PROJECT/locations/LOCATION/clusters/CLUSTER' });
      return cluster ?? z.NEVER;
    }).optional(),
    gkeApi: z.boolean().optional(),
    endpoint: z.enum(['public', 'private', 'dns']).optional(),
  })
  .optional();

const configSchema = z.object({
  dataDir: z.string().default('.data'),
  temporal: z
    .object({
      address: z.string().default('127.0.0.1:7233'),
      namespace: z.string().default('default'),
      taskQueue: z.string().default(defaultTaskQueue),
      workflowIdPrefix: z.string().regex(/^[A-Za-z0-9._-]+$/).default('scc-case'),
      apiKey: z.string().optional(),
      /** Resolved by `resolveTemporalSection`: Temporal's own TLS shape, paths or inline data. */
      tls: temporalTlsSchema.optional(),
      grpcMeta: z.record(z.string(), z.string()).optional(),
      uiUrl: z.string().optional(),
    })
    .default({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: defaultTaskQueue, workflowIdPrefix: 'scc-case' }),
  /** PostgreSQL; the embedded store in <dataDir>/cases when absent. */
  databaseUrl: z.string().optional(),
  cloud: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('lab'), url: z.string().url(), token: z.string(), kubeconfigPath: z.string().optional(), clusters: clusterAccessSchema, virusTotal: z.object({ apiKey: z.string() }), requestTimeoutMs: z.number().int().min(100).max(600_000).optional(), clusterReadTtlMs: z.number().int().min(0).max(600_000).optional(), ownerReadTtlMs: z.number().int().min(0).max(600_000).optional() }),
      z.object({ mode: z.literal('google'), kubeconfigPath: z.string().optional(), clusters: clusterAccessSchema, virusTotal: z.object({ apiKey: z.string().optional(), baseUrl: z.string().url().optional() }).optional(), requestTimeoutMs: z.number().int().min(100).max(600_000).optional(), clusterReadTtlMs: z.number().int().min(0).max(600_000).optional(), ownerReadTtlMs: z.number().int().min(0).max(600_000).optional() }),
    ])
    .default({ mode: 'google' }),
  policy: policySchema.default(policySchema.parse({})),
  /** Which findings start a case at all (organizations, folders, projects, clusters, namespaces, services). */
  scope: scopeSchema.optional(),
  notifyWebhookUrl: z.string().url().optional(),
  /** Notice channels and routing (src/notify): any combination; none means notices are only recorded. */
  notifications: z
    .strictObject({
      consoleUrl: z.string().url().optional(),
      defaultRecipients: z.array(z.string().regex(/^[^\s@]+@[a-z0-9.-]+$/i, 'an e-mail address')).max(50).default([]),
      /**
       * How often at most one route hears of one campaign, in minutes. A case of a campaign of two
       * or more is told of in its campaign's notice, sent by the case whose turn it is; the others
       * record theirs as folded into it. 0: every case notifies on its own.
       */
      campaignNoticeMinutes: z.number().int().min(0).max(1_440).default(10),
      slackWebhookUrl: z.string().url().optional(),
      /**
       * A Slack app: notices through its bot token, decisions from its buttons. The worker needs the
       * token and channel; the console the token (users.info) and the signing secret.
       */
      slackApp: z
        .strictObject({
          botToken: z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, 'a bot token (xoxb-…)'),
          signingSecret: z.string().min(16, 'at least 16 characters'),
          channel: z.string().regex(/^[CGD][A-Z0-9]{6,20}$/, 'a channel ID (C…)'),
          /** The workspace the app is installed in: interactions from any other are refused. */
          teamId: z.string().regex(/^T[A-Z0-9]{6,20}$/, 'a team ID (T…)'),
          apiUrl: z.string().url().default('https://slack.com/api'),
          /** Where Slack's response_url may point: nowhere else is ever sent a request. */
          responseUrlPrefix: z.string().url().default('https://hooks.slack.com/'),
        })
        .optional(),
      webhook: z.strictObject({ url: z.string().url(), secret: z.string().min(16, 'at least 16 characters') }).optional(),
      smtp: z
        .strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535), secure: z.boolean().optional(), user: z.string().optional(), password: z.string().optional(), from: z.string().min(3) })
        .optional(),
    })
    .default({ defaultRecipients: [], campaignNoticeMinutes: 10 }),
  /** Where artifacts go: a local directory (<dataDir>/evidence) unless a Cloud Storage bucket is named. */
  evidence: z
    .object({ bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'a Cloud Storage bucket name').optional(), prefix: z.string().regex(/^([a-z0-9._-]+\/)*$/).default('evidence/') })
    .default({ prefix: 'evidence/' }),
  virusTotalPerMinute: z.number().positive().default(4),
  maxArtifactBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** Reads files out of distroless containers; pinned by digest so what runs next to evidence is known. */
  captureImage: z.string().regex(/@sha256:[0-9a-f]{64}$/, 'an image pinned by digest (…@sha256:…)').default(defaultCaptureImage),
  /** Who may call the Pub/Sub push endpoint: Google's OIDC token (production) or a shared secret (the lab). */
  push: z
    .union([
      z.strictObject({ audience: z.string().url(), serviceAccount: z.string().regex(/^[^\s@]+@[a-z0-9.-]+$/, 'a service account e-mail') }),
      z.strictObject({ sharedSecret: z.string().min(16, 'at least 16 characters') }),
    ])
    .optional(),
  /**
   * Who vouches for a decision: the server signs each one with its Ed25519 key (`signingKeyFile`,
   * PEM), and workers verify it with the public keys listed here (PEM or hex). During a rotation
   * both keys are listed; a key marked retired verifies old decisions (`case verify`), no new one.
   */
  decisionAuthority: z
    .strictObject({
      keys: z
        .array(z.strictObject({ publicKey: z.string().min(64).max(1000), retired: z.boolean().default(false) }))
        .max(20)
        .default([])
        .superRefine((keys, ctx) => {
          for (const [i, key] of keys.entries()) {
            try {
              parseTrustedKey(key.publicKey);
            } catch (error) {
              ctx.addIssue({ code: 'custom', path: [i, 'publicKey'], message: error instanceof Error ? error.message : String(error) });
            }
          }
        }),
      signingKeyFile: z.string().min(1).optional(),
    })
    .default({ keys: [] }),
  /** `scc-responder server`: the API and console, and who may use them. */
  server: z
    .strictObject({
      address: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port').default('127.0.0.1:8090'),
      /** Who may read cases (addresses or @domain); everyone the authentication admits when absent. Deciding needs the policy's approvers list. */
      viewers: z.array(z.string().min(2)).max(200).optional(),
      /** Mark the lab's session cookie Secure when the console is served over TLS. */
      secureCookies: z.boolean().default(false),
      auth: z.discriminatedUnion('mode', [
        z.strictObject({
          mode: z.literal('iap'),
          audience: z.string().regex(/^\/projects\/\d+\/(global\/backendServices\/\d+|apps\/[a-z][a-z0-9-]{4,28}[a-z0-9])$/, 'an IAP audience (/projects/NUMBER/global/backendServices/ID or /projects/NUMBER/apps/PROJECT_ID)'),
          issuer: z.string().url().default(iapDefaults.issuer),
          jwksUrl: z.string().url().default(iapDefaults.jwksUrl),
        }),
        z.strictObject({ mode: z.literal('oidc'), issuer: z.string().url(), audience: z.string().min(1), jwksUrl: z.string().url(), header: z.string().regex(/^[a-z0-9-]+$/i).default('authorization') }),
        z.strictObject({
          mode: z.literal('lab'),
          users: z.array(z.strictObject({ email: z.string().regex(/^[^\s@]+@[a-z0-9.-]+$/i, 'an e-mail address'), passwordHash: z.string().regex(/^scrypt:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/, 'a hash from `scc-responder console-password`') })).min(1).max(200),
          sessionSecret: z.string().min(32, 'at least 32 characters').optional(),
        }),
      ]),
    })
    .optional(),
  /** OpenTelemetry traces to an OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME override). */
  tracing: z.strictObject({ otlpEndpoint: z.string().url().optional(), serviceName: z.string().min(1).max(100).optional() }).optional(),
  /** `host:port` where the worker serves Prometheus metrics (GET /metrics); off when absent. */
  metricsAddress: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port').optional(),
  /** How often the worker holds the cases its record keeps open against Temporal (a run terminated, timed out or gone); 0 turns it off. */
  reconcileIntervalMs: z.number().int().min(0).max(86_400_000).default(60_000),
  /**
   * How many cases' workflows a worker keeps in memory between their tasks; the SDK sizes it
   * from the heap when absent. A case beyond it is replayed from its history when its next
   * event (a decision, a finding) comes: slower for that one task, never wrong.
   */
  maxCachedWorkflows: z.number().int().min(0).max(100_000).optional(),
  /**
   * Cases whose findings share a script, a binary or an image (with the category) form one
   * campaign while each comes within this long of the last; after a quiet window the next starts
   * a new one.
   */
  campaignWindowMinutes: z.number().int().min(1).max(43_200).default(1_440),
  /**
   * How many cases of a campaign collect the pod-level evidence (the finding review, the logs,
   * the binary from the container); the rest record that the campaign's sample did. 0 has every
   * case collect.
   */
  campaignSampleSize: z.number().int().min(0).max(1_000).default(3),
  /**
   * When two or more cases of a campaign are pods of one workload, its cases plan for the
   * workload (roll it back to the last revision without the suspects' image, else scale it to
   * zero) instead of replacing their own pod, which would run the same image again. False keeps
   * each case's plan at its pod.
   */
  campaignWorkloadResponse: z.boolean().default(true),
  /** How many pods a campaign's workload response keeps for forensics (isolated and released from their ReplicaSet); 0 keeps none. */
  campaignPreservePods: z.number().int().min(0).max(5).default(2),
  /** A workflow bundle built ahead of time (an image build step), so a worker starts in a second instead of bundling. */
  workflowBundlePath: z.string().optional(),
  /** The same with the tracing interceptors (`bundle --tracing`), used when traces are exported. */
  tracedWorkflowBundlePath: z.string().optional(),
});

export type Config = z.infer<typeof configSchema>;

function serverFromEnv(base: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    ...base,
    ...(env.SCC_SERVER_ADDRESS ? { address: env.SCC_SERVER_ADDRESS } : {}),
    ...(env.SCC_IAP_AUDIENCE ? { auth: { mode: 'iap', audience: env.SCC_IAP_AUDIENCE } } : {}),
    // Lab users as `email=hash` pairs, comma-separated (hashes from `scc-responder console-password`).
    ...(env.SCC_CONSOLE_USERS
      ? {
          auth: {
            mode: 'lab',
            users: env.SCC_CONSOLE_USERS.split(',').filter((entry) => entry.trim()).map((entry) => {
              const at = entry.indexOf('=');
              return { email: entry.slice(0, at).trim(), passwordHash: entry.slice(at + 1).trim() };
            }),
            ...(env.SCC_CONSOLE_SESSION_SECRET ? { sessionSecret: env.SCC_CONSOLE_SESSION_SECRET } : {}),
          },
        }
      : {}),
  };
}

function slackSecretsFromEnv(notifications: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const slackApp = { ...(notifications?.slackApp as object | undefined) } as Record<string, unknown>;
  if (env.SCC_SLACK_BOT_TOKEN) slackApp.botToken = env.SCC_SLACK_BOT_TOKEN;
  if (env.SCC_SLACK_SIGNING_SECRET) slackApp.signingSecret = env.SCC_SLACK_SIGNING_SECRET;
  return { ...notifications, slackApp };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}): Config {
  const dataDir = resolve(env.SCC_DATA_DIR ?? '.data');
  const file = env.SCC_CONFIG ?? (existsSync(stackFilePath(dataDir)) ? stackFilePath(dataDir) : undefined);
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`cannot read the configuration file ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let temporal: Record<string, unknown>;
  try {
    temporal = resolveTemporalSection({ ...(base.temporal as object | undefined) }, env);
  } catch (error) {
    if (error instanceof TemporalConnectionError) throw new ConfigError(error.message);
    throw error;
  }
  if (env.TEMPORAL_TASK_QUEUE) temporal.taskQueue = env.TEMPORAL_TASK_QUEUE;
  const policy = { ...(base.policy as object | undefined) } as Record<string, unknown>;
  if (env.SCC_APPROVERS) policy.approvers = env.SCC_APPROVERS.split(',').map((a) => a.trim()).filter(Boolean);
  if (env.SCC_DRY_RUN) policy.dryRun = env.SCC_DRY_RUN === 'true' || env.SCC_DRY_RUN === '1';
  const authority = { ...(base.decisionAuthority as object | undefined) } as Record<string, unknown>;
  // Public keys as hex, comma-separated: what a deployment passes in the environment.
  if (env.SCC_DECISION_KEYS) authority.keys = env.SCC_DECISION_KEYS.split(',').map((k) => k.trim()).filter(Boolean).map((publicKey) => ({ publicKey }));
  if (env.SCC_DECISION_SIGNING_KEY_FILE) authority.signingKeyFile = env.SCC_DECISION_SIGNING_KEY_FILE;
  const merged = {
    ...base,
    decisionAuthority: authority,
    dataDir,
    temporal,
    policy,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.SCC_PUSH_AUDIENCE && env.SCC_PUSH_SERVICE_ACCOUNT ? { push: { audience: env.SCC_PUSH_AUDIENCE, serviceAccount: env.SCC_PUSH_SERVICE_ACCOUNT } } : {}),
    ...(env.SCC_PUSH_SECRET ? { push: { sharedSecret: env.SCC_PUSH_SECRET } } : {}),
    ...(env.SCC_IAP_AUDIENCE || env.SCC_CONSOLE_USERS || env.SCC_SERVER_ADDRESS ? { server: serverFromEnv(base.server as Record<string, unknown> | undefined, env) } : {}),
    ...(env.SCC_METRICS_ADDRESS ? { metricsAddress: env.SCC_METRICS_ADDRESS } : {}),
    ...(env.SCC_WORKFLOW_BUNDLE ? { workflowBundlePath: env.SCC_WORKFLOW_BUNDLE } : {}),
    ...(env.SCC_MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: Number(env.SCC_MAX_CACHED_WORKFLOWS) } : {}),
    ...(env.SCC_CAMPAIGN_WINDOW_MINUTES ? { campaignWindowMinutes: Number(env.SCC_CAMPAIGN_WINDOW_MINUTES) } : {}),
    ...(env.SCC_CAMPAIGN_SAMPLE_SIZE ? { campaignSampleSize: Number(env.SCC_CAMPAIGN_SAMPLE_SIZE) } : {}),
    ...(env.SCC_CAMPAIGN_WORKLOAD_RESPONSE ? { campaignWorkloadResponse: env.SCC_CAMPAIGN_WORKLOAD_RESPONSE === 'true' || env.SCC_CAMPAIGN_WORKLOAD_RESPONSE === '1' } : {}),
    ...(env.SCC_CAMPAIGN_PRESERVE_PODS ? { campaignPreservePods: Number(env.SCC_CAMPAIGN_PRESERVE_PODS) } : {}),
    ...(env.SCC_TRACED_WORKFLOW_BUNDLE ? { tracedWorkflowBundlePath: env.SCC_TRACED_WORKFLOW_BUNDLE } : {}),
    ...(env.SCC_NOTIFY_WEBHOOK ? { notifyWebhookUrl: env.SCC_NOTIFY_WEBHOOK } : {}),
    // The Slack app's secrets come from the environment (a Secret), its channel and workspace from the file.
    ...(env.SCC_SLACK_BOT_TOKEN || env.SCC_SLACK_SIGNING_SECRET ? { notifications: slackSecretsFromEnv(base.notifications as Record<string, unknown> | undefined, env) } : {}),
    ...(env.SCC_EVIDENCE_BUCKET ? { evidence: { ...(base.evidence as object | undefined), bucket: env.SCC_EVIDENCE_BUCKET } } : {}),
    ...(env.VIRUSTOTAL_API_KEY && (base.cloud as { mode?: string } | undefined)?.mode !== 'lab' ? { cloud: { mode: 'google', ...(base.cloud as object), virusTotal: { apiKey: env.VIRUSTOTAL_API_KEY } } } : {}),
    ...overrides,
  };
  if (env.SCC_OWN_CLUSTER && !overrides.cloud) {
    const cloud = (merged.cloud ?? { mode: 'google' }) as { clusters?: object };
    (merged as Record<string, unknown>).cloud = { ...cloud, clusters: { ...cloud.clusters, ownCluster: env.SCC_OWN_CLUSTER } };
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`invalid configuration${file ? ` (${file} and environment)` : ''} at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}
