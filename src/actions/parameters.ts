import { z } from 'zod';
import type { Finding } from '../findings/model';

/** The parameter shapes actions share: which pod, which workload, which Cloud Run service. */

export const podParameters = z.object({ project: z.string(), location: z.string(), cluster: z.string(), namespace: z.string(), pod: z.string() });

export const cloudRunServiceParameters = z.object({
  project: z.string(),
  region: z.string(),
  service: z.string(),
  /** The suspect revision; the service's latest ready revision when unknown. */
  revision: z.string().optional(),
});

/** What an action can take its parameters from when a plan is made: the finding and who owns the workload. */
export interface ParameterSource {
  finding: Finding;
  owner: { recipients: string[]; routedBy: string; caseId: string; summary: string };
}

/** The finding's pod, on GKE. */
export function gkePodOf({ finding: { subject } }: ParameterSource): z.input<typeof podParameters> | undefined {
  return subject.runtime === 'gke' ? { project: subject.projectId, location: subject.location, cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod } : undefined;
}

/** The node the finding's pod ran on, when the finding names it. */
export function gkeNodeOf({ finding: { subject } }: ParameterSource): { project: string; location: string; cluster: string; node: string } | undefined {
  return subject.runtime === 'gke' && subject.node ? { project: subject.projectId, location: subject.location, cluster: subject.cluster, node: subject.node } : undefined;
}

/** The finding's Cloud Run service (a job has none), with the suspect revision when known. */
export function cloudRunServiceOf({ finding: { subject } }: ParameterSource): z.input<typeof cloudRunServiceParameters> | undefined {
  return subject.runtime === 'cloud-run' && subject.service ? { project: subject.projectId, region: subject.region, service: subject.service, ...(subject.revision ? { revision: subject.revision } : {}) } : undefined;
}
