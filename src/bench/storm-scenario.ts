import { createHash } from 'node:crypto';
import type { Scenario } from '../lab/scenario';

/**
 * An alert storm in the lab: M pods of one Deployment, each carrying the same K added binaries
 * (real bytes, so captures hash), and N findings spread over them, finding i on pod i mod M
 * running binary i mod K. Every hash a finding reports is the hash of the bytes the pod serves.
 */

export interface Storm {
  scenario: Scenario;
  /** Findings in the Pub/Sub notification shape. */
  findings: Record<string, unknown>[];
  distinctHashes: number;
  pods: number;
}

const project = { id: 'acme-payments-prod', number: '418273640192' };
const cluster = { project: project.id, location: 'us-central1', name: 'payments-prod' };
const namespace = 'storm';
const replicaSetHash = '5f6b7c8d9';

export function podName(index: number): string {
  return `storm-api-${replicaSetHash}-p${index.toString(36)}`;
}

function binary(index: number): { path: string; bytes: Buffer; sha256: string } {
  const bytes = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01'), Buffer.from(`storm tool ${index} `.repeat(64))]);
  return { path: `/tmp/.k/tool-${index}`, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function stormScenario(base: Scenario, options: { findings: number; pods: number; binaries: number; eventTime?: string; runTag?: string }): Storm {
  // Finding names are idempotency keys across runs sharing a store: each run gets its own.
  const tag = (options.runTag ?? '').replace(/[^a-z0-9]/g, '').slice(0, 12);
  const tools = Array.from({ length: options.binaries }, (_, k) => binary(k));
  const files = Object.fromEntries(tools.map((t) => [t.path, { base64: t.bytes.toString('base64'), mode: '0755' }]));
  const processes = tools.map((t, k) => ({ container: 'app', pid: 100 + k, ppid: 1, exe: t.path, args: [t.path] }));
  const baseCluster = base.clusters.find((c) => c.name === cluster.name)!;
  const workload = {
    kind: 'Deployment' as const,
    namespace,
    name: 'storm-api',
    replicas: options.pods,
    labels: { app: 'storm-api' },
    annotations: {},
    serviceAccount: 'default',
    podTemplateHash: replicaSetHash,
    containers: [{ name: 'app', image: `us-docker.pkg.dev/${project.id}/apps/storm-api:1.0.0`, imageDigest: `sha256:${'5'.repeat(64)}`, distroless: false, imageFiles: {} }],
    // The release before the bad one: what a rollback of the workload returns to.
    previousRevisions: [{ podTemplateHash: '4e5a6b7c8', containers: [{ name: 'app', image: `us-docker.pkg.dev/${project.id}/apps/storm-api:0.9.0`, imageDigest: `sha256:${'4'.repeat(64)}`, distroless: false, imageFiles: {} }] }],
    pods: Array.from({ length: options.pods }, (_, i) => ({
      name: podName(i),
      node: baseCluster.nodes[i % baseCluster.nodes.length]!.name,
      phase: 'Running' as const,
      addedFiles: { app: files },
      processes: [{ container: 'app', pid: 1, ppid: 0, exe: '/app/server', args: ['/app/server'] }, ...processes],
    })),
  };
  const scenario: Scenario = {
    ...base,
    name: `storm-${options.findings}-${options.pods}-${options.binaries}`,
    clusters: base.clusters.map((c) => (c.name === cluster.name ? { ...c, workloads: [...c.workloads, workload] } : c)),
    findings: [],
    virustotal: { ...base.virustotal, ...Object.fromEntries(tools.map((t, k) => [t.sha256, { malicious: k % 2 === 0 ? 12 : 0, suspicious: 1, undetected: 50, harmless: 0, names: [`tool-${k}`] }])) },
    faults: [],
  };
  const eventTime = options.eventTime ?? new Date().toISOString();
  const clusterName = `//container.googleapis.com/projects/${project.id}/locations/${cluster.location}/clusters/${cluster.name}`;
  const findings = Array.from({ length: options.findings }, (_, i) => {
    const tool = tools[i % options.binaries]!;
    const k = i % options.binaries;
    return {
      finding: {
        name: `organizations/${base.organization}/sources/11532847310984215837/locations/global/findings/storm${tag}${i.toString(16).padStart(27 - tag.length, '0')}`,
        parent: `organizations/${base.organization}/sources/11532847310984215837/locations/global`,
        resourceName: clusterName,
        state: 'ACTIVE',
        category: 'Execution: Added Binary Executed',
        findingClass: 'THREAT',
        severity: 'HIGH',
        eventTime,
        createTime: eventTime,
        sourceProperties: { Pod_Namespace: namespace, Pod_Name: podName(i % options.pods), Container_Name: 'app', Container_Image_Uri: workload.containers[0]!.image },
        processes: [{ name: `tool-${k}`, binary: { path: tool.path, size: String(tool.bytes.length), sha256: tool.sha256 }, args: [tool.path], pid: String(100 + k), parentPid: '1' }],
        contacts: { security: { contacts: [{ email: 'secops@acme.example' }] } },
      },
      resource: { name: clusterName, displayName: cluster.name, type: 'google.container.Cluster', project: `//cloudresourcemanager.googleapis.com/projects/${project.number}`, projectDisplayName: project.id },
    };
  });
  // SCC holds the findings too, as it would: the review lists them, the write-back marks them.
  scenario.findings = findings.map((f) => ({ finding: f.finding as Record<string, unknown>, resource: f.resource as Record<string, unknown> }));
  return { scenario, findings, distinctHashes: Math.min(options.binaries, options.findings), pods: Math.min(options.pods, options.findings) };
}
