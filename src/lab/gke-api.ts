import type { Router} from './http';
import { HttpError, googleError, json } from './http';
import type { ScenarioCluster } from './scenario';

/** GKE ClusterManager v1 getCluster (regional and zonal paths). */
export class GkeApi {
  constructor(
    private readonly clusters: ScenarioCluster[],
    private readonly endpointFor: (cluster: ScenarioCluster) => string,
  ) {}

  routes(router: Router): void {
    router.on('GET', /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/, (_request, [p, l, c]) => this.get(p!, l!, c!));
    router.on('GET', /^\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/clusters\/([^/]+)$/, (_request, [p, l, c]) => this.get(p!, l!, c!));
  }

  private get(project: string, location: string, name: string) {
    const cluster = this.clusters.find((c) => c.project === project && c.location === location && c.name === name);
    if (!cluster) throw new HttpError(googleError(404, `Not found: projects/${project}/locations/${location}/clusters/${name}.`));
    const enforced = cluster.networkPolicy.enabled;
    return json(200, {
      name: cluster.name,
      location: cluster.location,
      zone: cluster.location,
      status: 'RUNNING',
      selfLink: `https://container.googleapis.com/v1/projects/${project}/locations/${location}/clusters/${name}`,
      endpoint: cluster.controlPlane?.endpoint ?? this.endpointFor(cluster),
      ...(cluster.controlPlane ? { masterAuth: { clusterCaCertificate: cluster.controlPlane.caCertificate } } : {}),
      currentMasterVersion: '1.32.4-gke.1106000',
      currentNodeVersion: '1.32.4-gke.1106000',
      currentNodeCount: cluster.nodes.length,
      resourceLabels: cluster.labels,
      createTime: '2026-01-12T09:00:00+00:00',
      networkPolicy: enforced ? { enabled: true, provider: cluster.networkPolicy.provider ?? 'CALICO' } : {},
      addonsConfig: { networkPolicyConfig: enforced ? {} : { disabled: true } },
      networkConfig: { network: `projects/${project}/global/networks/default`, datapathProvider: cluster.datapathProvider },
      nodePools: [{ name: 'default-pool', initialNodeCount: cluster.nodes.length, status: 'RUNNING', locations: [...new Set(cluster.nodes.map((n) => n.zone))] }],
    });
  }
}
