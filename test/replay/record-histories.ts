import { writeFileSync } from 'node:fs';
import { decideUpdate, refreshDecisionKeysSignal } from '../../src/workflows/shared';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { storeRefusesPlan } from '../fixtures/injected-bugs';
import { approvers, startCaseRig } from '../case-rig';
import { scenarioFinding, variantOf } from '../fixtures/finding-variants';

/**
 * Records the histories the replay test guards: run with `npm run record-histories` after a
 * deliberate, versioned change to the workflow, never to silence a replay failure.
 */
const out = join(__dirname, 'histories');

test('record representative case histories', async () => {
  const rig = await startCaseRig();
  await rig.startWorker({ activityOverrides: storeRefusesPlan(rig.store) });
  try {
    const handleFor = (workflowId: string, runId: string) => rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    const save = async (name: string, workflowId: string, runId: string) => {
      const history = await handleFor(workflowId, runId).fetchHistory();
      writeFileSync(join(out, `${name}.json`), `${historyToJSON(history)}\n`);
    };

    const gke = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
    await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    let ready = await rig.waitFor(gke.workflowId, gke.runId, (s) => s.status === 'awaiting-decision' && s.findings.length === 2);
    await rig.signalDecision(handleFor(gke.workflowId, gke.runId), { decision: 'approve', approver: 'mallory@evil.example', planHash: ready.plan!.hash });
    // Unsigned, as the stock CLI sends it: accepted into the history, recorded, refused.
    await handleFor(gke.workflowId, gke.runId).executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash }] }).catch(() => undefined);
    await handleFor(gke.workflowId, gke.runId).signal(refreshDecisionKeysSignal);
    await rig.decide(handleFor(gke.workflowId, gke.runId), { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
    await handleFor(gke.workflowId, gke.runId).result();
    await save('gke-joined-refused-approved-contained', gke.workflowId, gke.runId);

    const run = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'cloud-run'), { fourEyes: true });
    ready = await rig.waitForStatus(run.workflowId, run.runId, 'awaiting-decision');
    await rig.decide(handleFor(run.workflowId, run.runId), { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
    await rig.signalDecision(handleFor(run.workflowId, run.runId), { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    await handleFor(run.workflowId, run.runId).result();
    await save('cloud-run-four-eyes-contained', run.workflowId, run.runId);

    // Approved, but the pod changed meanwhile: planned again, and the new plan rejected.
    const script = await rig.ingest(rig.finding('Malicious Script Executed', 'gke'));
    ready = await rig.waitForStatus(script.workflowId, script.runId, 'awaiting-decision');
    const pod = ready.plan!.actions.find((a) => a.action === 'replace-pod')!.target as { namespace: string; name: string };
    await rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' }).patchPodLabels(pod.namespace, pod.name, { changed: 'yes' });
    await rig.decide(handleFor(script.workflowId, script.runId), { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    const replanned = await rig.waitFor(script.workflowId, script.runId, (s) => s.status === 'awaiting-decision' && s.plan!.hash !== ready.plan!.hash);
    await rig.decide(handleFor(script.workflowId, script.runId), { decision: 'reject', approver: approvers.lead, reason: 'expected', planHash: replanned.plan!.hash });
    await handleFor(script.workflowId, script.runId).result();
    await save('gke-replanned-rejected', script.workflowId, script.runId);

    const suppressed = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'cloud-run'), { suppressions: [{ id: 'storefront-build', reason: 'builds at start', services: ['storefront'] }] });
    await handleFor(suppressed.workflowId, suppressed.runId).result();
    await save('cloud-run-suppressed', suppressed.workflowId, suppressed.runId);

    const expiring = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'gke'), { escalateAfterMs: 300, expireAfterMs: 900, dryRun: true });
    await handleFor(expiring.workflowId, expiring.runId).result();
    await save('gke-escalated-expired', expiring.workflowId, expiring.runId);

    // A pod that is not there: a plan that contains nothing, kept under watch, planned again when a finding joins, then closed.
    const phantom = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Added Binary Executed', 'gke'), { suffix: 'ph', pod: 'phantom-binary' }));
    ready = await rig.waitForStatus(phantom.workflowId, phantom.runId, 'awaiting-decision');
    await rig.decide(handleFor(phantom.workflowId, phantom.runId), { decision: 'watch', approver: approvers.secops, planHash: ready.plan!.hash });
    await rig.waitForStatus(phantom.workflowId, phantom.runId, 'watching');
    await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Launch Code Compiler Tool In Container', 'gke'), { suffix: 'ph2', pod: 'phantom-binary' }));
    const watched = await rig.waitFor(phantom.workflowId, phantom.runId, (s) => s.status === 'awaiting-decision' && s.findings.length === 2);
    await rig.signalDecision(handleFor(phantom.workflowId, phantom.runId), { decision: 'close', approver: approvers.lead, reason: 'no such pod', planHash: watched.plan!.hash });
    await handleFor(phantom.workflowId, phantom.runId).result();
    await save('gke-unknown-pod-watched-closed', phantom.workflowId, phantom.runId);

    // The workflow fails anyway (the store refuses a write): recorded and announced before the run ends.
    const failing = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Added Binary Executed', 'cloud-run'), { suffix: 'bug' }));
    await handleFor(failing.workflowId, failing.runId).result().catch(() => undefined);
    await save('cloud-run-store-refused-failed', failing.workflowId, failing.runId);
  } finally {
    await rig.stop();
  }
}, 180_000);
