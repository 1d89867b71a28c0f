import { existsSync } from 'node:fs';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { CloudError, PermanentCloudError, TransientCloudError, type CloudErrorContext } from './errors';

/**
 * How the worker reaches a finding's cluster. A finding names its cluster; the credentials must
 * be for exactly that cluster, or for none: a pod name such as `db-0` exists in many clusters,
 * and containment on the wrong one is a real pod stopped for nothing.
 *
 * In order: a kubeconfig context named as `gcloud container clusters get-credentials` names it
 * (clusters outside GKE, or ones an operator pins); the worker's own cluster, declared in the
 * configuration, through its in-cluster service account; any other GKE cluster through the GKE
 * API (`clusters.get` for the endpoint and CA, an Application Default Credentials access token as
 * the bearer, so neither a kubeconfig nor `gke-gcloud-auth-plugin` is needed). Anything else has
 * no credentials, which the case records as a gap.
 */

export interface ClusterRef {
  project: string;
  location: string;
  name: string;
}

export type ControlPlaneEndpoint = 'public' | 'private' | 'dns';

/** How to reach a GKE cluster's control plane, as `clusters.get` gives it: what a kubeconfig for it would hold. */
export interface ControlPlaneAddress {
  /** The public IP endpoint (`host` or `host:port`). */
  endpoint: string;
  privateEndpoint?: string;
  /** The DNS-based endpoint, when the cluster has one: served with a publicly trusted certificate. */
  dnsEndpoint?: string;
  /** The cluster's CA (base64 PEM, as in a kubeconfig's certificate-authority-data) for the IP endpoints. */
  caCertificate?: string;
}


export interface ClusterAccess {
  /** A kubeconfig with a `gke_PROJECT_LOCATION_CLUSTER` context per cluster it covers. */
  kubeconfigPath?: string;
  /** The cluster the worker runs in: the only one its in-cluster credentials are used for. */
  ownCluster?: ClusterRef;
  /** Reach GKE clusters through the GKE API (default); off, only the two above are reachable. */
  gkeApi?: boolean;
  /** Which control-plane endpoint the GKE API's answer is used for (default: the public IP). */
  endpoint?: ControlPlaneEndpoint;
}

/** What a resolved connection is, for the record: which credentials reached which cluster. */
export interface ClusterConnection {
  config: KubeConfig;
  via: string;
}

export interface ClusterAccessDeps {
  controlPlane(cluster: ClusterRef): Promise<ControlPlaneAddress>;
  /** A current OAuth access token (the client library refreshes it before it expires). */
  accessToken(): Promise<string>;
  /** The pod's own service-account credentials, when this process runs in a pod (undefined otherwise). */
  inCluster?(): KubeConfig | undefined;
}

export function kubeconfigContextName(cluster: ClusterRef): string {
  return `gke_${cluster.project}_${cluster.location}_${cluster.name}`;
}

export function sameCluster(a: ClusterRef, b: ClusterRef): boolean {
  return a.project === b.project && a.location === b.location && a.name === b.name;
}

/** `projects/P/locations/L/clusters/C`, as SCC and the GKE API name a cluster. */
export function parseClusterName(text: string): ClusterRef | undefined {
  const match = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/(?:locations|zones)\/([a-z0-9-]{1,63})\/clusters\/([a-z0-9-]{1,40})$/.exec(text.trim());
  return match ? { project: match[1]!, location: match[2]!, name: match[3]! } : undefined;
}

const serviceAccountTokenPath = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function podServiceAccount(): KubeConfig | undefined {
  if (!process.env.KUBERNETES_SERVICE_HOST || !existsSync(serviceAccountTokenPath)) return undefined;
  const config = new KubeConfig();
  config.loadFromCluster();
  return config;
}

export async function connectToCluster(cluster: ClusterRef, access: ClusterAccess, deps: ClusterAccessDeps): Promise<ClusterConnection> {
  const contextName = kubeconfigContextName(cluster);
  const context: CloudErrorContext = { service: 'kubernetes', operation: 'connect', target: contextName };
  if (access.kubeconfigPath) {
    const config = new KubeConfig();
    config.loadFromFile(access.kubeconfigPath);
    if (config.getContexts().some((c) => c.name === contextName)) {
      config.setCurrentContext(contextName);
      return { config, via: `kubeconfig context ${contextName}` };
    }
  }
  if (access.ownCluster && sameCluster(access.ownCluster, cluster)) {
    const config = (deps.inCluster ?? podServiceAccount)();
    if (config) return { config, via: 'in-cluster service account (the worker’s own cluster)' };
  }
  if (access.gkeApi === false) {
    const tried = [access.kubeconfigPath ? `no context ${contextName} in ${access.kubeconfigPath}` : 'no kubeconfig', access.ownCluster ? `not the worker's own cluster ${kubeconfigContextName(access.ownCluster)}` : 'no own cluster declared'];
    throw new PermanentCloudError(context, undefined, `no credentials for this cluster (${tried.join('; ')}; the GKE API is off)`);
  }
  const address = await deps.controlPlane(cluster).catch((error: unknown) => {
    // Kept transient or permanent as the GKE API's answer was; the record says it was the connect that failed.
    const Class = error instanceof CloudError && !error.retryable ? PermanentCloudError : TransientCloudError;
    throw new Class(context, error instanceof CloudError ? error.status : undefined, `the GKE API did not give this cluster's control plane: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  const endpoint = access.endpoint ?? 'public';
  const host = endpoint === 'dns' ? address.dnsEndpoint : endpoint === 'private' ? address.privateEndpoint : address.endpoint;
  if (!host) throw new PermanentCloudError(context, undefined, `the GKE API gives this cluster no ${endpoint} endpoint`);
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(host)) {
    throw new PermanentCloudError(context, undefined, `the GKE API gave an endpoint that is not a host: ${JSON.stringify(host.slice(0, 100))}`);
  }
  // The DNS endpoint is served with a publicly trusted certificate; the IP ones with the cluster's CA.
  if (endpoint !== 'dns' && !address.caCertificate) throw new PermanentCloudError(context, undefined, 'the GKE API gives this cluster no CA certificate');
  const config = new KubeConfig();
  config.addAuthenticator(accessTokenAuthenticator(deps.accessToken));
  const user: User = { name: 'application-default-credentials', authProvider: { name: accessTokenProvider, config: {} } };
  config.loadFromClusterAndUser({ name: contextName, server: `https://${host}`, skipTLSVerify: false, ...(endpoint !== 'dns' ? { caData: address.caCertificate! } : {}) }, user);
  return { config, via: `GKE API (${endpoint} endpoint ${host}) with Application Default Credentials` };
}

const accessTokenProvider = 'scc-responder-access-token';

/** Puts a fresh access token on every request and exec stream, so a long-lived client never sends an expired one. */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

function accessTokenAuthenticator(accessToken: () => Promise<string>): Authenticator {
  return {
    isAuthProvider: (user) => user.authProvider?.name === accessTokenProvider,
    async applyAuthentication(_user, options) {
      const token = await accessToken();
      options.headers = { ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` };
    },
  };
}
