import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { defaultRequestTimeoutMs } from './call';
import type { ClusterAccess } from './cluster-access';

/**
 * Where the adapters send their calls. `google`: the real APIs with Application Default
 * Credentials (Workload Identity on GKE) and a kubeconfig or in-cluster config. `lab`: the same
 * client libraries pointed at a local lab. The code paths after construction are the same.
 */
export type CloudTarget =
  | {
      mode: 'google';
      /** A kubeconfig with a `gke_PROJECT_LOCATION_CLUSTER` context per cluster it covers (others: see `clusters`). */
      kubeconfigPath?: string;
      clusters?: Omit<ClusterAccess, 'kubeconfigPath'>;
      virusTotal?: { apiKey?: string; baseUrl?: string };
      /** How long one request may go unanswered (default 30 s): then it counts as failed and is retried. */
      requestTimeoutMs?: number;
      /** How long a cluster's GKE metadata is shared by the cases that read it (default 30 s; 0 reads it for each). */
      clusterReadTtlMs?: number;
      /** How long a workload read for a pod's owner chain, and what a workload's plans only tell of (its service account, NetworkPolicies, sibling sample), is shared by the cases that read it (default 15 s; 0 reads it for each). */
      ownerReadTtlMs?: number;
    }
  | {
      mode: 'lab';
      url: string;
      token: string;
      /** The lab's kubeconfig: a context per cluster it simulates. */
      kubeconfigPath?: string;
      clusters?: Omit<ClusterAccess, 'kubeconfigPath'>;
      virusTotal: { apiKey: string };
      requestTimeoutMs?: number;
      clusterReadTtlMs?: number;
      ownerReadTtlMs?: number;
    };

/** Options for the Google client libraries' constructors. */
export interface GoogleClientOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  fallback?: boolean;
  authClient?: OAuth2Client;
}

export function googleClientOptions(target: CloudTarget): GoogleClientOptions {
  if (target.mode === 'google') return {};
  const url = new URL(target.url);
  const authClient = new OAuth2Client();
  // A lab token never expires; the lab checks it as a Google API checks an access token.
  authClient.setCredentials({ access_token: target.token, expiry_date: Date.now() + 10 * 365 * 24 * 3600 * 1000 });
  return {
    apiEndpoint: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port),
    protocol: 'http',
    fallback: true,
    authClient,
  };
}

export function virusTotalBaseUrl(target: CloudTarget): string {
  return target.mode === 'lab' ? `${target.url}/api/v3` : (target.virusTotal?.baseUrl ?? 'https://www.virustotal.com/api/v3');
}

export function requestTimeoutOf(target: CloudTarget): number {
  return target.requestTimeoutMs ?? defaultRequestTimeoutMs;
}

export function clusterAccessOf(target: CloudTarget): ClusterAccess {
  return { ...target.clusters, ...(target.kubeconfigPath ? { kubeconfigPath: target.kubeconfigPath } : {}) };
}

/**
 * The OAuth access token the worker presents to GKE control planes: Application Default
 * Credentials (Workload Identity on GKE), cached and refreshed by the client library before it
 * expires; in the lab, the lab's token.
 */
export function accessTokenSource(target: CloudTarget): () => Promise<string> {
  const client = target.mode === 'lab' ? googleClientOptions(target).authClient! : new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  return async () => {
    const token = await client.getAccessToken();
    const value = typeof token === 'string' ? token : token?.token;
    if (!value) throw new Error('Application Default Credentials gave no access token');
    return value;
  };
}
