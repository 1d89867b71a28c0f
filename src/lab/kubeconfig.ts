import type { ScenarioCluster } from './scenario';

/** Context names as `gcloud container clusters get-credentials` makes them. */
export function contextName(cluster: Pick<ScenarioCluster, 'project' | 'location' | 'name'>): string {
  return `gke_${cluster.project}_${cluster.location}_${cluster.name}`;
}

export function clusterPath(cluster: Pick<ScenarioCluster, 'project' | 'location' | 'name'>): string {
  return `/k8s/${cluster.project}/${cluster.location}/${cluster.name}`;
}

/** A kubeconfig with one context per lab cluster (JSON is valid YAML, which every client reads). */
export function kubeconfigFor(clusters: ScenarioCluster[], baseUrl: string, token: string): string {
  const entries = clusters.map((cluster) => ({ name: contextName(cluster), server: `${baseUrl}${clusterPath(cluster)}` }));
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      // Plain HTTP on loopback: there is no certificate to verify.
      clusters: entries.map(({ name, server }) => ({ name, cluster: { server, 'insecure-skip-tls-verify': true } })),
      users: [{ name: 'scc-responder-lab', user: { token } }],
      contexts: entries.map(({ name }) => ({ name, context: { cluster: name, user: 'scc-responder-lab' } })),
      'current-context': entries[0]?.name ?? '',
    },
    null,
    2,
  )}\n`;
}
