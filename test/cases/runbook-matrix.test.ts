import { approvers, startCaseRig } from '../case-rig';
import type { investigateCase } from '../../src/workflows/investigate-case';

/** Every category on GKE and on Cloud Run, end to end: approve → the containment is in the lab's state. */

const categories = ['Launch Code Compiler Tool In Container', 'Malicious Script Executed', 'Added Binary Executed', 'Netcat Remote Code Execution In Container'];
const cases = categories.flatMap((category) => (['gke', 'cloud-run'] as const).map((runtime) => [category, runtime] as const));

test.each(cases)('%s on %s: approved and contained', async (category, runtime) => {
  const rig = await startCaseRig();
  try {
    await rig.startWorker();
    const parsed = rig.finding(category, runtime);
    const { workflowId, runId } = await rig.ingest(parsed);
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
    expect(ready.steps.filter((s) => s.outcome === 'gap')).toEqual([]);
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    const closed = await handle.result();
    expect(closed.outcome).toBe('contained');

    const subject = parsed.finding.subject;
    if (subject.runtime === 'gke') {
      const kube = rig.deps.clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
      const planned = ready.plan!.actions.find((a) => a.action === 'replace-pod')!.target as { uid: string };
      const now = await kube.getPod(subject.namespace, subject.pod).catch((error: unknown) => {
        // Gone is a 404; anything else is a failure of the test's own read, not an answer.
        if ((error as { status?: string }).status === '404') return undefined;
        throw error;
      });
      // Gone, or (a StatefulSet) back under the same name as a new pod.
      expect(now === undefined || now.uid !== planned.uid).toBe(true);
      const deletions = rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client' && m.verb === 'delete');
      expect(deletions).toEqual([{ verb: 'delete', resource: 'pods', namespace: subject.namespace, name: subject.pod, by: 'client' }]);
      if (category.startsWith('Netcat')) {
        // A StatefulSet pod cannot be preserved beside its replacement: the plan says so and replaces it; the node is cordoned.
        expect(ready.plan!.notes).toContain('preserve-then-replace-pod: pod checkout/ledger-db-0 has StatefulSet ledger-db: only a ReplicaSet can start a replacement beside a preserved pod (replace-pod planned instead)');
        expect((await kube.getNode(subject.node!)).unschedulable).toBe(true);
      }
    } else {
      const service = await rig.deps.clients.run.getService(subject.projectId, subject.region, subject.service!);
      expect(service.traffic).toEqual([{ revision: 'storefront-00041-kel', percent: 100 }]);
      const revisions = (await rig.deps.clients.run.listRevisions(subject.projectId, subject.region, subject.service!)).map((r) => r.name);
      expect(revisions).toEqual(category.startsWith('Netcat') ? ['storefront-00041-kel'] : ['storefront-00042-qaz', 'storefront-00041-kel']);
    }
    expect(closed.actions.map((a) => a.action)).toEqual(ready.plan!.actions.map((a) => a.action));
  } finally {
    await rig.stop();
  }
});
