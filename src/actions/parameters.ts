import { z } from 'zod';

/** The parameter shapes actions share: which pod, which workload, which Cloud Run service. */

export const podParameters = z.object({ project: z.string(), location: z.string(), cluster: z.string(), namespace: z.string(), pod: z.string() });

export const cloudRunServiceParameters = z.object({
  project: z.string(),
  region: z.string(),
  service: z.string(),
  /** The suspect revision; the service's latest ready revision when unknown. */
  revision: z.string().optional(),
});
