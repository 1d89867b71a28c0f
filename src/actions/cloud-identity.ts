import type { CloudClients } from '../cloud';
import { PermanentCloudError } from '../cloud/errors';
import type { ParameterSource } from './parameters';

/**
 * The cloud identity a compromised workload holds, shared by the actions that cut it. On GKE it
 * is Workload Identity: the pod runs as a Kubernetes service account, annotated with the Google
 * service account it may act as, which in turn lets that Kubernetes account in through a
 * roles/iam.workloadIdentityUser binding. On Cloud Run it is the revision's service account.
 */

export const workloadIdentityAnnotation = 'iam.gke.io/gcp-service-account';
export const workloadIdentityRole = 'roles/iam.workloadIdentityUser';

/** The principal IAM knows a Kubernetes service account by (the cluster's project's workload pool). */
export function workloadIdentityMember(project: string, namespace: string, kubernetesServiceAccount: string): string {
  return `serviceAccount:${project}.svc.id.goog[${namespace}/${kubernetesServiceAccount}]`;
}

export interface GkeIdentity {
  runtime: 'gke';
  kubernetesServiceAccount: string;
  serviceAccount: string;
  member: string;
}

export interface CloudRunIdentity {
  runtime: 'cloud-run';
  serviceAccount: string;
  revision: string;
}

/** The pod's Kubernetes service account and the Google one it acts as; a reason when it has none. */
export async function gkeIdentity(clients: CloudClients, params: { project: string; location: string; cluster: string; namespace: string; pod: string }): Promise<GkeIdentity | { notApplicable: string }> {
  const kube = clients.kubernetes({ project: params.project, location: params.location, name: params.cluster });
  const pod = await kube.getPod(params.namespace, params.pod).catch((error: unknown) => {
    if (error instanceof PermanentCloudError && error.status === '404') return undefined;
    throw error;
  });
  if (!pod) return { notApplicable: `pod ${params.namespace}/${params.pod} no longer exists` };
  const kubernetesServiceAccount = pod.serviceAccount ?? 'default';
  const account = await kube.getServiceAccount(params.namespace, kubernetesServiceAccount);
  const serviceAccount = account.annotations[workloadIdentityAnnotation];
  if (!serviceAccount) return { notApplicable: `service account ${params.namespace}/${kubernetesServiceAccount} is not bound to a Google service account (no ${workloadIdentityAnnotation} annotation)` };
  return { runtime: 'gke', kubernetesServiceAccount, serviceAccount, member: workloadIdentityMember(params.project, params.namespace, kubernetesServiceAccount) };
}

/** The suspect revision's service account (the latest revision's when the finding names none). */
export async function cloudRunIdentity(clients: CloudClients, params: { project: string; region: string; service: string; revision?: string }): Promise<CloudRunIdentity | { notApplicable: string }> {
  const revisions = await clients.run.listRevisions(params.project, params.region, params.service);
  const revision = params.revision ? revisions.find((r) => r.name === params.revision) : revisions[0];
  if (!revision) return { notApplicable: `revision ${params.revision ?? '(latest)'} of ${params.service} no longer exists` };
  if (!revision.serviceAccount) return { notApplicable: `revision ${revision.name} runs as the project's default compute service account: disabling it would stop every workload that uses it; cut it by hand if that is intended` };
  return { runtime: 'cloud-run', serviceAccount: revision.serviceAccount, revision: revision.name };
}

/** Everyone else the service account's own policy lets in, as "ROLE MEMBER". */
export async function otherPrincipals(clients: CloudClients, serviceAccount: string, except?: string): Promise<string[]> {
  const policy = await clients.iam.getPolicy(serviceAccount);
  return policy.bindings.flatMap((b) => b.members.filter((m) => m !== except).map((m) => `${b.role} ${m}`));
}

/** The other pods of the namespace that run as the same Kubernetes service account, and the workloads that own them. */
export async function podsRunningAs(clients: CloudClients, where: { project: string; location: string; cluster: string; namespace: string; pod: string }, kubernetesServiceAccount: string): Promise<{ pods: string[]; workloads: string[] }> {
  const kube = clients.kubernetes({ project: where.project, location: where.location, name: where.cluster });
  const pods = (await kube.listPods(where.namespace)).filter((p) => (p.serviceAccount ?? 'default') === kubernetesServiceAccount && p.name !== where.pod);
  const workloads = new Set<string>();
  for (const pod of pods.slice(0, 50)) {
    const chain = await kube.ownerChain(pod);
    const top = chain.at(-1);
    workloads.add(top ? `${top.kind} ${top.name}` : `Pod ${pod.name}`);
  }
  return { pods: pods.map((p) => p.name).slice(0, 50), workloads: [...workloads].sort() };
}

export function parametersForIdentity(source: ParameterSource) {
  const { subject } = source.finding;
  if (subject.runtime === 'gke') return { runtime: 'gke' as const, project: subject.projectId, location: subject.location, cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod };
  return subject.service ? { runtime: 'cloud-run' as const, project: subject.projectId, region: subject.region, service: subject.service, ...(subject.revision ? { revision: subject.revision } : {}) } : undefined;
}
