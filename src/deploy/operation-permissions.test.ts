import { actionPermissions, adapterPermissions } from './permissions';
import { operationPermissionTable, permissionFor } from './operation-permissions';

/**
 * A refusal names the permission its operation needs; every IAM permission and RBAC rule named
 * that way is one the permissions table (and so docs/deployment.md and the RBAC manifest) grants.
 */

const declarations = [...adapterPermissions, ...actionPermissions()].flatMap((use) => use.permissions);

function grantedIam(): Set<string> {
  return new Set(declarations.filter((p) => p.startsWith('iam: ')).flatMap((p) => p.slice('iam: '.length).split(', ')));
}

/** "get, patch deployments/scale, statefulsets/scale": every verb with every resource. */
function grantedRbac(): Set<string> {
  const found = new Set<string>();
  for (const permission of declarations.filter((p) => p.startsWith('kubernetes: '))) {
    const tokens = permission.slice('kubernetes: '.length).split(', ');
    const split = tokens.findIndex((t) => t.includes(' '));
    const [lastVerb, firstResource] = tokens[split]!.split(' ') as [string, string];
    for (const resource of [firstResource, ...tokens.slice(split + 1)]) for (const verb of [...tokens.slice(0, split), lastVerb]) found.add(`${verb} ${resource}`);
  }
  return found;
}

test('every permission a refusal names is one the permissions table grants', () => {
  const iam = grantedIam();
  const rbac = grantedRbac();
  const missing: string[] = [];
  for (const [operation, needs] of Object.entries(operationPermissionTable())) {
    const rule = /^kubernetes: ((?:[a-z]+, )*[a-z]+) (\S+)/.exec(needs);
    for (const verb of rule?.[1]?.split(', ') ?? []) if (!rbac.has(`${verb} ${rule![2]}`)) missing.push(`${operation}: kubernetes ${verb} ${rule![2]}`);
    for (const permission of /iam: ([^)]+)/.exec(needs)?.[1]?.split(', ') ?? []) if (!iam.has(permission)) missing.push(`${operation}: iam ${permission}`);
  }
  expect(missing).toEqual([]);
});

test('an operation is looked up by its API and name', () => {
  expect(permissionFor({ service: 'gke', operation: 'get cluster' })).toBe('iam: container.clusters.get');
  expect(permissionFor({ service: 'kubernetes', operation: 'get pod' })).toBe('kubernetes: get pods (iam: container.pods.get)');
  expect(permissionFor({ service: 'kubernetes', operation: 'something else' })).toBeUndefined();
});
