import { actions, type ActionRegistry } from '../actions';

/**
 * What scc-responder needs, written the way the actions declare theirs ("kubernetes: verbs
 * resources", "iam: permissions"): per adapter for collection and write-back, then per action.
 * deploy/kubernetes/rbac.yaml is checked against this and against what a whole case did.
 */
export interface PermissionUse {
  name: string;
  use: string;
  permissions: readonly string[];
}

export const adapterPermissions: readonly PermissionUse[] = [
  {
    name: 'Security Command Center',
    use: 'the finding and related findings; write-back of state, mute and marks; the poller',
    permissions: ['iam: securitycenter.findings.list, securitycenter.findings.setState, securitycenter.findings.setMute, securitycenter.securitymarks.update'],
  },
  { name: 'Resource Manager', use: 'the project ID of a finding that names its project by number only (intake)', permissions: ['iam: resourcemanager.projects.get'] },
  { name: 'Cloud Logging', use: 'pod, node and Cloud Run logs, and the cluster audit logs (data access needs the private one)', permissions: ['iam: logging.logEntries.list, logging.privateLogEntries.list'] },
  { name: 'GKE', use: 'the cluster: endpoint, version, node pools', permissions: ['iam: container.clusters.get'] },
  {
    name: 'Kubernetes',
    use: 'the pod, its owners and its node; copying the binary out (exec, or an ephemeral container for images without a shell); owner annotations for notices; the blast radius (sibling pods, NetworkPolicies)',
    permissions: [
      'kubernetes: get, list pods',
      'kubernetes: get replicasets, deployments, statefulsets, daemonsets, jobs',
      'kubernetes: get nodes',
      'kubernetes: get namespaces',
      'kubernetes: get, create pods/exec',
      'kubernetes: patch pods/ephemeralcontainers',
      'kubernetes: list networkpolicies',
      'iam: container.pods.get, container.pods.list, container.pods.exec, container.pods.update, container.nodes.get, container.namespaces.get, container.replicaSets.get, container.deployments.get, container.statefulSets.get, container.daemonSets.get, container.jobs.get, container.networkPolicies.list',
    ],
  },
  { name: 'Cloud Run', use: 'the service, its revisions and traffic', permissions: ['iam: run.services.get, run.revisions.list, run.revisions.get'] },
  { name: 'Cloud Storage (evidence bucket)', use: 'write-once evidence, read back and checked', permissions: ['iam: storage.objects.create, storage.objects.get'] },
  { name: 'Pub/Sub (intake pubsub)', use: 'pulling from the NotificationConfig subscription', permissions: ['iam: pubsub.subscriptions.consume'] },
];

export function actionPermissions(registry: ActionRegistry = actions): PermissionUse[] {
  return registry.modules.map((action) => ({ name: action.name, use: action.description, permissions: action.permissions }));
}

/** The table in docs/deployment.md, from the declarations. */
export function permissionsMarkdown(registry: ActionRegistry = actions): string {
  const row = (use: PermissionUse) => `| ${use.name} | ${use.use} | ${use.permissions.map((p) => `\`${p}\``).join('<br>')} |`;
  return [
    '| adapter | for | permissions |',
    '|---|---|---|',
    ...adapterPermissions.map(row),
    '',
    '| action | what it does | permissions |',
    '|---|---|---|',
    ...actionPermissions(registry).map(row),
  ].join('\n');
}
