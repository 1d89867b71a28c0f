import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { actionPermissions, adapterPermissions, permissionsMarkdown } from '../../src/deploy/permissions';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { approvers, startCaseRig } from '../case-rig';
import { paymentsCluster } from '../lab-harness';

/**
 * deploy/kubernetes/rbac.yaml grants exactly what the product uses: every permission an action
 * declares, every request a whole case made against the lab's API server, and nothing else.
 */

const groups: Record<string, string> = { deployments: 'apps', replicasets: 'apps', statefulsets: 'apps', daemonsets: 'apps', jobs: 'batch', networkpolicies: 'networking.k8s.io' };
const groupOf = (resource: string) => groups[resource.split('/')[0]!] ?? '';

function granted(): Set<string> {
  const docs = parseAllDocuments(readFileSync(join(__dirname, '../../deploy/kubernetes/rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] });
  const role = docs.find((d) => d.kind === 'ClusterRole')!;
  return new Set(role.rules!.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${verb} ${group}/${resource}`)))));
}

/** "get, patch deployments/scale, statefulsets/scale": verbs, then the resources they apply to. */
function declared(): Set<string> {
  const found = new Set<string>();
  for (const use of [...adapterPermissions, ...actionPermissions()]) {
    for (const permission of use.permissions.filter((p) => p.startsWith('kubernetes: '))) {
      const tokens = permission.slice('kubernetes: '.length).split(', ');
      const split = tokens.findIndex((t) => t.includes(' '));
      const [lastVerb, firstResource] = tokens[split]!.split(' ') as [string, string];
      const verbs = [...tokens.slice(0, split), lastVerb];
      for (const resource of [firstResource, ...tokens.slice(split + 1)]) for (const verb of verbs) found.add(`${verb} ${groupOf(resource)}/${resource}`);
    }
  }
  return found;
}

test('the RBAC manifest grants what the actions declare and what a whole case did, and nothing more', async () => {
  const rig = await startCaseRig();
  try {
    await rig.startWorker();
    const { workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'), {
      responses: { 'launch-code-compiler-tool': { gke: ['notify-owner', 'preserve-then-replace-pod', 'cordon-node'] } },
    });
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 90_000);
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    expect((await handle.result()).outcome).toBe('contained');
    const observed = rig.lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!.access;
    // The collection's reads and the exec that copied the binary out were seen, not assumed.
    expect([...observed]).toEqual(expect.arrayContaining(['get /pods', 'create /pods/exec', 'get /nodes', 'create networking.k8s.io/networkpolicies', 'patch /nodes']));
    const grants = granted();
    const needed = new Set([...declared(), ...observed]);
    expect([...needed].filter((a) => !grants.has(a)).sort()).toEqual([]);
    expect([...grants].filter((a) => !needed.has(a)).sort()).toEqual([]);
  } finally {
    await rig.stop();
  }
}, 180_000);

test('the deployment guide lists the permissions exactly as the adapters and actions declare them', () => {
  const readme = readFileSync(join(__dirname, '../../docs/deployment.md'), 'utf8');
  const listed = /<!-- permissions:start -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme)?.[1];
  expect(listed).toBe(permissionsMarkdown());
});
