import { ClusterManagerClient } from '@google-cloud/container';
import { cloudCall } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import type { CloudErrorContext } from './errors';
import type { ControlPlaneAddress } from './cluster-access';
import { RecentReads } from './recent-reads';
import { checkName } from './validate';

/** GKE cluster metadata through @google-cloud/container. */

export interface ClusterInfo {
  name: string;
  location: string;
  status: string;
  endpoint: string;
  masterVersion: string;
  labels: Record<string, string>;
  /** NetworkPolicy objects are enforced: the addon is on, or the cluster runs Dataplane V2. */
  networkPolicyEnforced: boolean;
  networkPolicyProvider?: string;
  datapathProvider: string;
  /** How to reach the control plane: what a kubeconfig for this cluster would hold. */
  controlPlane: ControlPlaneAddress;
}

export class GkeAdapter {
  private readonly client: ClusterManagerClient;
  private readonly deadlineMs: number;
  private readonly recent: RecentReads<ClusterInfo>;

  constructor(target: CloudTarget) {
    this.deadlineMs = requestTimeoutOf(target);
    this.recent = new RecentReads(target.clusterReadTtlMs ?? 30_000);
    this.client = new ClusterManagerClient(googleClientOptions(target) as ConstructorParameters<typeof ClusterManagerClient>[0]);
  }

  /**
   * A cluster's metadata. What it holds (status, labels, NetworkPolicy enforcement, endpoints)
   * changes over minutes, not seconds, so cases reading it within `clusterReadTtlMs` share one
   * read; a failed read is not kept.
   */
  async getCluster(project: string, location: string, cluster: string): Promise<ClusterInfo> {
    const context: CloudErrorContext = { service: 'gke', operation: 'get cluster', target: `${project}/${location}/${cluster}` };
    checkName('projectId', project, 'project ID', context);
    checkName('location', location, 'location', context);
    checkName('gkeCluster', cluster, 'cluster name', context);
    return this.recent.read(`${project}/${location}/${cluster}`, () => this.readCluster(context, project, location, cluster));
  }

  private async readCluster(context: CloudErrorContext, project: string, location: string, cluster: string): Promise<ClusterInfo> {
    const [found] = await cloudCall(context, this.deadlineMs, () => this.client.getCluster({ name: `projects/${project}/locations/${location}/clusters/${cluster}` }));
    {
      const datapath = String(found.networkConfig?.datapathProvider ?? 'DATAPATH_PROVIDER_UNSPECIFIED');
      const addonOn = found.networkPolicy?.enabled === true && found.addonsConfig?.networkPolicyConfig?.disabled !== true;
      return {
        name: found.name ?? cluster,
        location: found.location ?? location,
        status: String(found.status ?? 'STATUS_UNSPECIFIED'),
        endpoint: found.endpoint ?? '',
        masterVersion: found.currentMasterVersion ?? '',
        labels: (found.resourceLabels ?? {}) as Record<string, string>,
        networkPolicyEnforced: addonOn || datapath === 'ADVANCED_DATAPATH',
        ...(found.networkPolicy?.provider ? { networkPolicyProvider: String(found.networkPolicy.provider) } : {}),
        datapathProvider: datapath,
        controlPlane: {
          endpoint: found.endpoint ?? '',
          ...(found.privateClusterConfig?.privateEndpoint ? { privateEndpoint: found.privateClusterConfig.privateEndpoint } : {}),
          ...(found.controlPlaneEndpointsConfig?.dnsEndpointConfig?.endpoint ? { dnsEndpoint: found.controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint } : {}),
          ...(found.masterAuth?.clusterCaCertificate ? { caCertificate: found.masterAuth.clusterCaCertificate } : {}),
        },
      };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
