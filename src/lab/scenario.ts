import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A lab scenario: the world the lab serves. Projects, GKE clusters with nodes and workloads
 * (containers with real file bytes), Cloud Run services, findings, log entries and VirusTotal
 * verdicts. Scenario files are JSON; `default.json` covers the runbook's four categories.
 */

const fileContent = z.object({
  base64: z.string(),
  mode: z.string().regex(/^0[0-7]{3}$/).default('0644'),
});

const labels = z.record(z.string(), z.string());

const container = z.object({
  name: z.string(),
  image: z.string(),
  imageDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** A distroless image: no shell, no coreutils, as in real life. */
  distroless: z.boolean().default(false),
  /** Files the image ships: what a fresh (replacement) container starts with. */
  imageFiles: z.record(z.string(), fileContent).default({}),
});

const labConnection = z.object({
  protocol: z.enum(['tcp', 'tcp6']).default('tcp'),
  /** "ADDRESS:PORT"; the pod's IP and an ephemeral port when absent. */
  local: z.string().optional(),
  remote: z.string(),
  state: z.enum(['ESTABLISHED', 'SYN_SENT', 'LISTEN', 'CLOSE_WAIT', 'TIME_WAIT']).default('ESTABLISHED'),
});

const labProcess = z.object({
  container: z.string(),
  pid: z.number().int().positive(),
  ppid: z.number().int().nonnegative(),
  exe: z.string(),
  args: z.array(z.string()),
  /** When it started; the pod's start when absent. */
  startedAt: z.string().datetime().optional(),
  /** Its executable was removed after it started: the path is gone, /proc/PID/exe still reads it. */
  unlinked: z.boolean().optional(),
  /** Its open sockets, as /proc/PID/net/tcp and /proc/PID/fd show them. */
  connections: z.array(labConnection).optional(),
});

const pod = z.object({
  name: z.string(),
  node: z.string(),
  uid: z.string().optional(),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed']).default('Running'),
  /** Files added at run time (not in the image), per container. */
  addedFiles: z.record(z.string(), z.record(z.string(), fileContent)).default({}),
  processes: z.array(labProcess).default([]),
});

const workload = z.object({
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod']),
  namespace: z.string(),
  name: z.string(),
  replicas: z.number().int().nonnegative().optional(),
  labels: labels.default({}),
  annotations: labels.default({}),
  serviceAccount: z.string().default('default'),
  podTemplateHash: z.string().optional(),
  containers: z.array(container).min(1),
  pods: z.array(pod).default([]),
  /** A Deployment's earlier revisions, oldest first: each a ReplicaSet scaled to zero, as a rollout leaves them. */
  previousRevisions: z.array(z.object({ podTemplateHash: z.string(), containers: z.array(container).min(1) })).default([]),
});

const networkPolicy = z.object({
  namespace: z.string(),
  name: z.string(),
  podSelector: z.record(z.string(), z.unknown()),
  policyTypes: z.array(z.string()).default([]),
  ingress: z.array(z.unknown()).optional(),
  egress: z.array(z.unknown()).optional(),
});

const cluster = z.object({
  project: z.string(),
  location: z.string(),
  name: z.string(),
  labels: labels.default({}),
  networkPolicy: z.object({ enabled: z.boolean(), provider: z.string().optional() }).default({ enabled: false }),
  /** ADVANCED_DATAPATH (Dataplane V2) enforces NetworkPolicy without the addon. */
  datapathProvider: z.enum(['LEGACY_DATAPATH', 'ADVANCED_DATAPATH']).default('LEGACY_DATAPATH'),
  nodes: z.array(z.object({ name: z.string(), zone: z.string(), instanceId: z.string().regex(/^[0-9]+$/) })),
  workloads: z.array(workload).default([]),
  networkPolicies: z.array(networkPolicy).default([]),
  /** Kubernetes service accounts beyond the bare ones the workloads name: their annotations (Workload Identity's iam.gke.io/gcp-service-account). */
  serviceAccounts: z.array(z.object({ namespace: z.string(), name: z.string(), annotations: labels.default({}) })).default([]),
  /**
   * A cluster whose Kubernetes is a real API server elsewhere: the lab's GKE API hands out its
   * endpoint and CA, and the lab neither simulates its objects nor lists it in its kubeconfig.
   */
  controlPlane: z.object({ endpoint: z.string(), caCertificate: z.string() }).optional(),
});

const cloudRunService = z.object({
  project: z.string(),
  region: z.string(),
  service: z.string(),
  labels: labels.default({}),
  ingress: z.string().default('INGRESS_TRAFFIC_ALL'),
  revisions: z.array(z.object({ name: z.string(), image: z.string(), createTime: z.string(), serviceAccount: z.string().optional() })).min(1),
  traffic: z.array(z.object({ revision: z.string(), percent: z.number().int().min(0).max(100) })),
});

const verdict = z.object({
  malicious: z.number().int().nonnegative(),
  suspicious: z.number().int().nonnegative(),
  undetected: z.number().int().nonnegative(),
  harmless: z.number().int().nonnegative(),
  names: z.array(z.string()).default([]),
  popularThreatLabel: z.string().optional(),
});

export const faultRuleSchema = z
  .object({
    /** Which API: scc, resourcemanager, logging, gke, kubernetes, run, iam, virustotal, storage (or * for all). */
    api: z.enum(['scc', 'resourcemanager', 'logging', 'gke', 'kubernetes', 'run', 'iam', 'virustotal', 'storage', '*']),
    /** Only this operation, named as the API names it (`clusters.get`, `get pods`: see operations.ts); all when absent. */
    operation: z.string().min(1).optional(),
    /** Only requests whose path, query or body contains this text; all of the API's requests when absent. */
    pathContains: z.string().optional(),
    latencyMs: z.number().int().nonnegative().default(0),
    /** Up to this much more latency, drawn evenly per request from the seeded sequence: a cloud's spread, not one fixed delay. */
    latencyJitterMs: z.number().int().nonnegative().max(600_000).optional(),
    /** Fraction of requests answered 429 or 503 (half each), from a seeded sequence. */
    transientRate: z.number().min(0).max(1).default(0),
    /** Every matching request gets this status: refused, gone, or a server that keeps failing. */
    permanentStatus: z.union([z.literal(403), z.literal(404), z.literal(500)]).optional(),
    /** Every matching request goes unanswered this long, then gets a 503: a server that hangs. */
    hangMs: z.number().int().positive().max(600_000).optional(),
    /** Every matching request gets a 200 whose body is not what the API sends (cut-off JSON). */
    malformed: z.boolean().optional(),
  })
  .refine((rule) => [rule.permanentStatus !== undefined, rule.hangMs !== undefined, rule.malformed === true].filter(Boolean).length <= 1, 'a rule answers one way: permanentStatus, hangMs or malformed');

export const scenarioSchema = z.object({
  name: z.string(),
  description: z.string().default(''),
  organization: z.string().regex(/^[0-9]+$/),
  projects: z.array(z.object({ id: z.string(), number: z.string().regex(/^[0-9]+$/) })),
  clusters: z.array(cluster).default([]),
  cloudRun: z.array(cloudRunService).default([]),
  /** Findings as listFindings returns them: {finding, resource} in proto3 JSON. */
  findings: z.array(z.object({ finding: z.record(z.string(), z.unknown()), resource: z.record(z.string(), z.unknown()) })).default([]),
  /** Log entries as Cloud Logging returns them (proto3 JSON LogEntry). */
  logs: z.array(z.record(z.string(), z.unknown())).default([]),
  virustotal: z.record(z.string().regex(/^[0-9a-f]{64}$/), verdict).default({}),
  /** Google service accounts (IAM), with the bindings of their own IAM policy. */
  serviceAccounts: z
    .array(z.object({ email: z.string().email(), disabled: z.boolean().default(false), bindings: z.array(z.object({ role: z.string(), members: z.array(z.string()) })).default([]) }))
    .default([]),
  /** IP address and domain reports, by address or name. */
  virustotalIndicators: z.record(z.string(), verdict.omit({ names: true, popularThreatLabel: true }).extend({ owner: z.string().optional(), country: z.string().optional() })).default({}),
  faults: z.array(faultRuleSchema).default([]),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioCluster = z.infer<typeof cluster>;
export type ScenarioWorkload = z.infer<typeof workload>;
export type ScenarioPod = z.infer<typeof pod>;
export type ScenarioContainer = z.infer<typeof container>;
export type ScenarioProcess = z.infer<typeof labProcess>;
export type FaultRule = z.infer<typeof faultRuleSchema>;
export type Verdict = z.infer<typeof verdict>;

// From src/lab and from dist/lab alike: tsc does not copy JSON, so always read the source copy.
export const defaultScenarioPath = join(__dirname, '../../src/lab/scenarios/default.json');

export function loadScenario(path: string = defaultScenarioPath): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read scenario ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const result = scenarioSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`invalid scenario ${path} at ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}
