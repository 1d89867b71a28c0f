import type { CloudErrorContext } from '../cloud/errors';

/**
 * The permission each cloud operation needs, so that a refusal (403, PERMISSION_DENIED) in a case
 * says what to grant. The same words as the permissions table (`permissions.ts`), which a test
 * holds this against: every rule named here is one the table grants.
 */
const table: Record<string, string> = {
  'scc list findings': 'iam: securitycenter.findings.list',
  'scc list related findings': 'iam: securitycenter.findings.list',
  'scc set finding state': 'iam: securitycenter.findings.setState',
  'scc set mute': 'iam: securitycenter.findings.setMute',
  'scc update security marks': 'iam: securitycenter.securitymarks.update',
  'resourcemanager get project': 'iam: resourcemanager.projects.get',
  'logging pod logs': 'iam: logging.logEntries.list',
  'logging node logs': 'iam: logging.logEntries.list',
  'logging cloud run logs': 'iam: logging.logEntries.list',
  'logging cluster audit logs': 'iam: logging.logEntries.list, logging.privateLogEntries.list',
  'gke get cluster': 'iam: container.clusters.get',
  'kubernetes connect': 'credentials for exactly this cluster: the GKE API (iam: container.clusters.get), a kubeconfig context gke_PROJECT_LOCATION_CLUSTER, or in-cluster ones for the declared own cluster',
  'kubernetes get node': 'kubernetes: get nodes (iam: container.nodes.get)',
  'kubernetes get namespace': 'kubernetes: get namespaces (iam: container.namespaces.get)',
  'kubernetes get pod': 'kubernetes: get pods (iam: container.pods.get)',
  'kubernetes list pods': 'kubernetes: list pods (iam: container.pods.list)',
  'kubernetes get replicaset': 'kubernetes: get replicasets (iam: container.replicaSets.get)',
  'kubernetes get deployment': 'kubernetes: get deployments (iam: container.deployments.get)',
  'kubernetes list replicasets': 'kubernetes: list replicasets (iam: container.replicaSets.list)',
  'kubernetes patch deployment': 'kubernetes: patch deployments (iam: container.deployments.update)',
  'kubernetes get statefulset': 'kubernetes: get statefulsets (iam: container.statefulSets.get)',
  'kubernetes get daemonset': 'kubernetes: get daemonsets (iam: container.daemonSets.get)',
  'kubernetes get job': 'kubernetes: get jobs (iam: container.jobs.get)',
  'kubernetes exec': 'kubernetes: get, create pods/exec (iam: container.pods.exec)',
  'kubernetes get serviceaccount': 'kubernetes: get serviceaccounts (iam: container.serviceAccounts.get)',
  'kubernetes add ephemeral container': 'kubernetes: patch pods/ephemeralcontainers (iam: container.pods.update)',
  'kubernetes patch pod labels': 'kubernetes: patch pods (iam: container.pods.update)',
  'kubernetes get deployment scale': 'kubernetes: get deployments/scale (iam: container.deployments.get)',
  'kubernetes get statefulset scale': 'kubernetes: get statefulsets/scale (iam: container.statefulSets.get)',
  'kubernetes get replicaset scale': 'kubernetes: get replicasets/scale (iam: container.replicaSets.get)',
  'kubernetes scale deployment': 'kubernetes: patch deployments/scale (iam: container.deployments.updateScale)',
  'kubernetes scale statefulset': 'kubernetes: patch statefulsets/scale (iam: container.statefulSets.updateScale)',
  'kubernetes scale replicaset': 'kubernetes: patch replicasets/scale (iam: container.replicaSets.updateScale)',
  'kubernetes cordon node': 'kubernetes: patch nodes (iam: container.nodes.update)',
  'kubernetes uncordon node': 'kubernetes: patch nodes (iam: container.nodes.update)',
  'kubernetes list networkpolicies': 'kubernetes: list networkpolicies (iam: container.networkPolicies.list)',
  'kubernetes create networkpolicy': 'kubernetes: create networkpolicies (iam: container.networkPolicies.create)',
  'kubernetes delete networkpolicy': 'kubernetes: delete networkpolicies (iam: container.networkPolicies.delete)',
  'kubernetes delete pod': 'kubernetes: delete pods (iam: container.pods.delete)',
  'run get service': 'iam: run.services.get',
  'run list revisions': 'iam: run.revisions.list',
  'run set traffic': 'iam: run.services.update, iam.serviceAccounts.actAs',
  'run set ingress': 'iam: run.services.update, iam.serviceAccounts.actAs',
  'run delete revision': 'iam: run.revisions.delete',
  'iam serviceAccounts.get': 'iam: iam.serviceAccounts.get',
  'iam serviceAccounts.getIamPolicy': 'iam: iam.serviceAccounts.getIamPolicy',
  'iam serviceAccounts.setIamPolicy': 'iam: iam.serviceAccounts.setIamPolicy',
  'iam serviceAccounts.disable': 'iam: iam.serviceAccounts.disable',
  'iam serviceAccounts.enable': 'iam: iam.serviceAccounts.enable',
  'storage upload': 'iam: storage.objects.create',
  'storage download': 'iam: storage.objects.get',
  'storage configure evidence bucket': 'iam: storage.objects.create, storage.objects.get',
  'virustotal get file report': 'a VirusTotal API key allowed the file report (VIRUSTOTAL_API_KEY)',
  'virustotal get IP address report': 'a VirusTotal API key allowed the IP address report (VIRUSTOTAL_API_KEY)',
  'virustotal get domain report': 'a VirusTotal API key allowed the domain report (VIRUSTOTAL_API_KEY)',
  'notify post notice': "the receiver's acceptance of the worker: its webhook URL, token or signing secret (notifications in the configuration)",
};

export function permissionFor(context: Pick<CloudErrorContext, 'service' | 'operation'>): string | undefined {
  return table[`${context.service} ${context.operation}`];
}

export function operationPermissionTable(): Readonly<Record<string, string>> {
  return table;
}
