import { accessTokenSource, clusterAccessOf, requestTimeoutOf, virusTotalBaseUrl, type CloudTarget } from './config';
import { CloudRunAdapter } from './cloud-run';
import { GkeAdapter } from './gke';
import { IamAdapter } from './iam';
import type { ClusterAccessDeps } from './cluster-access';
import { KubernetesAdapter, type MomentOptions } from './kubernetes';
import { LoggingAdapter } from './logging';
import { SccAdapter } from './scc';
import { VirusTotalAdapter } from './virustotal';

export * from './errors';
export type { CloudTarget } from './config';

/** Every adapter, built from one target: the real cloud or the lab. */
export interface CloudClients {
  scc: SccAdapter;
  logging: LoggingAdapter;
  gke: GkeAdapter;
  run: CloudRunAdapter;
  iam: IamAdapter;
  virusTotal: VirusTotalAdapter;
  kubernetes(cluster: { project: string; location: string; name: string }): KubernetesAdapter;
  close(): Promise<void>;
}

export function createCloudClients(target: CloudTarget, options: { inCluster?: ClusterAccessDeps['inCluster'] } = {}): CloudClients {
  const access = clusterAccessOf(target);
  const accessToken = accessTokenSource(target);
  const kubernetes = new Map<string, KubernetesAdapter>();
  const scc = new SccAdapter(target);
  const gke = new GkeAdapter(target);
  const run = new CloudRunAdapter(target);
  return {
    scc,
    logging: new LoggingAdapter(target),
    gke,
    run,
    iam: new IamAdapter(target),
    virusTotal: new VirusTotalAdapter(virusTotalBaseUrl(target), target.virusTotal?.apiKey, fetch, requestTimeoutOf(target)),
    kubernetes(cluster) {
      const key = `${cluster.project}/${cluster.location}/${cluster.name}`;
      let adapter = kubernetes.get(key);
      if (!adapter) kubernetes.set(key, (adapter = KubernetesAdapter.forCluster(
            cluster,
            access,
            { controlPlane: async (c) => (await gke.getCluster(c.project, c.location, c.name)).controlPlane, accessToken, ...options },
            { deadlineMs: requestTimeoutOf(target), ...(target.ownerReadTtlMs !== undefined ? { ownerReadTtlMs: target.ownerReadTtlMs } : {}) },
          )));
      return adapter;
    },
    async close() {
      await Promise.all([scc.close(), gke.close(), run.close()]);
    },
  };
}

/**
 * The clients as of one moment, for one plan: each cluster's pod, service account, namespace,
 * node and NetworkPolicy reads are made once in it (KubernetesAdapter.atOneMoment).
 */
export function atOneMoment(clients: CloudClients, options: MomentOptions = {}): CloudClients {
  const views = new Map<KubernetesAdapter, KubernetesAdapter>();
  return {
    ...clients,
    kubernetes(cluster) {
      const adapter = clients.kubernetes(cluster);
      let view = views.get(adapter);
      if (!view) views.set(adapter, (view = adapter.atOneMoment(options)));
      return view;
    },
  };
}
