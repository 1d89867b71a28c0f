import { actionRegistry, builtinActions } from '../../src/actions';
import { permissionsMarkdown, actionPermissions } from '../../src/deploy/permissions';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { labelPodUnderInvestigation } from '../fixtures/actions/label-pod-under-investigation';
import { approvers, startCaseRig } from '../case-rig';

// The fixture's action is written as one module outside src/: nothing in src/ names it.
const registry = actionRegistry([...builtinActions, labelPodUnderInvestigation]);
const responses = { 'added-binary-executed': { gke: ['notify-owner', 'label-pod-under-investigation'] } };
const clusterPath = '/k8s/acme-payments-prod/us-central1/payments-prod';
const label = 'scc-responder.io/under-investigation';

test('an action added as one module is planned and dry-run by a whole case, and writes nothing', async () => {
  const rig = await startCaseRig({ responses, dryRun: true }, { actions: registry });
  await rig.startWorker();
  const clientWrites = () => rig.lab.clusters.get(clusterPath)!.store.mutations.filter((m) => m.by === 'client');
  try {
    const { workflowId, runId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
    const planned = ready.plan!.actions.find((a) => a.action === 'label-pod-under-investigation');
    expect(planned).toMatchObject({ destructive: true, permissions: labelPodUnderInvestigation.permissions, target: { kind: 'pod', namespace: 'checkout' } });
    expect(planned!.effect).toMatch(/^Label pod checkout\/.+ scc-responder\.io\/under-investigation=true\.$/);
    const writesBefore = clientWrites().length;

    await rig.decide(rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId), { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    const closed = await rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId).result();
    expect(closed.outcome).toBe('dry-run');
    expect(closed.actions.find((a) => a.action === 'label-pod-under-investigation')).toMatchObject({ status: 'dry-run', detail: `would: ${planned!.effect}` });
    expect(clientWrites().length).toBe(writesBefore);
  } finally {
    await rig.stop();
  }
});

test('the added action is applied only with the approval its plan needs, through the same registry', async () => {
  const rig = await startCaseRig({ responses }, { actions: registry });
  await rig.startWorker();
  try {
    const { workflowId, runId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
    const target = ready.plan!.actions.find((a) => a.action === 'label-pod-under-investigation')!.target as { namespace: string; name: string };
    const kube = rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' });
    expect((await kube.getPod(target.namespace, target.name)).labels[label]).toBeUndefined();

    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    const closed = await handle.result();
    expect(closed.outcome).toBe('contained');
    expect(closed.actions.find((a) => a.action === 'label-pod-under-investigation')).toMatchObject({ status: 'applied', detail: 'labelled' });
    expect((await kube.getPod(target.namespace, target.name)).labels[label]).toBe('true');
  } finally {
    await rig.stop();
  }
});

test('the permissions the deployment grants describe the added action from its own declaration', () => {
  expect(actionPermissions(registry).map((use) => use.name)).toEqual([...builtinActions.map((a) => a.name), 'label-pod-under-investigation']);
  expect(permissionsMarkdown(registry)).toContain(
    '| label-pod-under-investigation | Label the suspect pod with its case, so anyone listing pods sees it is under investigation. | `kubernetes: get, patch pods`<br>`iam: container.pods.get, container.pods.update` |',
  );
  // The table the docs carry is the shipped registry's: it does not grow because a test added an action.
  expect(permissionsMarkdown()).not.toContain('label-pod-under-investigation');
});

test('a response naming an action no module declares is a note in the plan, not a lost case', async () => {
  const rig = await startCaseRig({ responses: { 'added-binary-executed': { gke: ['notify-owner', ['label-pod-under-investigation', 'replace-pod']] } } });
  await rig.startWorker();
  try {
    const { workflowId, runId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
    // The lab's binary is one VirusTotal flags: the playbook adds the identity cut after the policy's response.
    expect(ready.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod', 'revoke-workload-identity']);
    expect(ready.plan!.notes).toContain('label-pod-under-investigation: the response names it, but this worker has no action of that name (replace-pod planned instead)');
  } finally {
    await rig.stop();
  }
});
