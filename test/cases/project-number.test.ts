import { startCaseRig, type CaseRig } from '../case-rig';
import { scenarioFinding, variantOf } from '../fixtures/finding-variants';

/**
 * A bare v2 Finding, as the REST API and exports return it (no `resource` beside it), names its
 * project in `resourceName` by number. A valid finding is never refused for that: its case starts
 * under the ID Resource Manager gives, or, when Resource Manager refuses, with the number and a gap.
 */

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig({ retry: { maximumAttempts: 2, initialIntervalMs: 100, maximumIntervalMs: 200 } });
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

const number = () => rig.lab.scenario.projects.find((p) => p.id === 'acme-payments-prod')!.number;

test('a bare Finding with a project number: its case starts under the project ID Resource Manager gives', async () => {
  const parsed = variantOf(scenarioFinding(rig.lab.scenario, 'Malicious Script Executed', 'gke'), { suffix: 'n1', bare: true, projectNumber: number() });
  expect(parsed.finding.subject.projectId).toBe(number());
  const started = await rig.ingest(parsed);
  expect(started.workflowId).toContain('/gke/acme-payments-prod/us-central1/payments-prod/');
  const ready = await rig.waitForStatus(started.workflowId, started.runId, 'awaiting-decision', 90_000);
  expect(ready.gaps?.filter((g) => g.step === 'project')).toEqual([]);
  expect(ready.steps.find((s) => s.step === 'pod')).toMatchObject({ outcome: 'ok' });
  const record = (await rig.store.getCase(started.caseId))!;
  expect(record.case.project).toBe('acme-payments-prod');
  expect(record.findings[0]!.finding.intake.notes).toContain(`project ID acme-payments-prod (project ${number()}) resolved through Resource Manager`);
  await rig.env.client.workflow.getHandle(started.workflowId, started.runId).terminate('test done');
});

test('when Resource Manager refuses, the case starts with the number and a gap that says which permission it takes', async () => {
  rig.lab.faults.set([{ api: 'resourcemanager', operation: 'projects.get', latencyMs: 0, transientRate: 0, permanentStatus: 403 }]);
  try {
    const started = await rig.ingest(variantOf(scenarioFinding(rig.lab.scenario, 'Added Binary Executed', 'gke'), { suffix: 'n2', bare: true, projectNumber: number() }));
    expect(started.workflowId).toContain(`/gke/${number()}/us-central1/payments-prod/`);
    const ready = await rig.waitForStatus(started.workflowId, started.runId, 'awaiting-decision', 90_000);
    expect(ready.gaps?.find((g) => g.step === 'project')?.reason).toMatch(new RegExp(`project ID unresolved for project number ${number()}: resourcemanager get project .*\\(needs iam: resourcemanager.projects.get\\)`));
    // The steps that need the ID say so, and ask nothing of the cloud with a number in its place.
    expect(ready.steps.find((s) => s.step === 'cluster-and-node')).toMatchObject({ outcome: 'gap', gap: { errorType: 'InvalidTargetError' } });
    expect(ready.plan!.actions.filter((a) => a.destructive)).toEqual([]);
    await rig.env.client.workflow.getHandle(started.workflowId, started.runId).terminate('test done');
  } finally {
    rig.lab.faults.set([]);
  }
});
