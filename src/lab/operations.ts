import type { LabApi } from './faults';

/**
 * What a request asks of its API, named as that API names it, so that a fault can target one
 * operation of one API: the REST method (`clusters.get`, `findings.list`, `services.get`,
 * `revisions.list`, `entries.list`, `files.get`, `objects.insert`, `projects.get`) for Google APIs
 * and VirusTotal, and the RBAC verb and resource (`get pods`, `list pods`, `create pods/exec`,
 * `patch pods/ephemeralcontainers`, `get replicasets`) for Kubernetes.
 */
export function operationOf(api: LabApi, method: string, path: string, query?: URLSearchParams): string {
  switch (api) {
    case 'kubernetes':
      return kubernetesOperation(method, path, query);
    case 'gke':
      return method === 'GET' ? 'clusters.get' : `clusters.${method.toLowerCase()}`;
    case 'run':
      if (/\/operations\/[^/]+$/.test(path)) return 'operations.get';
      if (/\/revisions\/[^/]+$/.test(path)) return method === 'DELETE' ? 'revisions.delete' : 'revisions.get';
      if (/\/revisions$/.test(path)) return 'revisions.list';
      return method === 'PATCH' ? 'services.patch' : 'services.get';
    case 'scc':
      if (path.endsWith(':setState')) return 'findings.setState';
      if (path.endsWith(':setMute')) return 'findings.setMute';
      if (path.endsWith('/securityMarks')) return 'securityMarks.update';
      return 'findings.list';
    case 'logging':
      return 'entries.list';
    case 'virustotal':
      return path.includes('/ip_addresses/') ? 'ip_addresses.get' : path.includes('/domains/') ? 'domains.get' : 'files.get';
    case 'iam': {
      const verb = /:(getIamPolicy|setIamPolicy|disable|enable)$/.exec(path)?.[1];
      return `serviceAccounts.${verb ?? 'get'}`;
    }
    case 'storage':
      return method === 'POST' ? 'objects.insert' : 'objects.get';
    case 'resourcemanager':
      return 'projects.get';
  }
}

const kubernetesPath = /^\/k8s\/[^/]+\/[^/]+\/[^/]+\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

function kubernetesOperation(method: string, path: string, query?: URLSearchParams): string {
  const match = kubernetesPath.exec(path);
  if (!match) return `${method.toLowerCase()} ${path}`;
  const [, , resource, object, subresource] = match;
  const verb =
    method === 'GET' ? (object ? 'get' : query?.get('watch') === 'true' ? 'watch' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : method.toLowerCase();
  return `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
}
