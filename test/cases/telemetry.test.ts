import type { ChildProcess } from 'node:child_process';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { approvers, startCaseRig } from '../case-rig';
import { freePort } from '../free-port';
import { freshWorkerDatabase } from '../worker-database';
import { killWorker, startWorkerProcess } from '../worker-process';

/** The worker process's JSON log carries case IDs, and its Prometheus endpoint the cases' metrics with Temporal's. */

test('a contained case shows in the JSON log by case ID and on /metrics: cases by status, transitions, step durations, time to ready and contained, action outcomes', async () => {
  const db = await freshWorkerDatabase();
  const rig = await startCaseRig({}, { store: db.store });
  const lines: string[] = [];
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  let worker: ChildProcess | undefined;
  try {
    worker = startWorkerProcess({ address: rig.env.address, taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix, databaseUrl: db.url, lab: rig.lab, policy: rig.policy, trust: [rig.authority.key], metricsAddress, onLogLine: (line) => lines.push(line) });
    const { workflowId, runId, caseId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'cloud-run'));
    const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 90_000);
    const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
    await rig.decide(handle, { decision: 'approve', approver: approvers.lead, planHash: ready.plan!.hash });
    expect((await handle.result()).outcome).toBe('contained');

    // The worker's stderr arrives through a pipe, after the result: wait for the last line.
    for (let attempt = 0; attempt < 100 && !lines.some((line) => line.includes('"case contained"')); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    const log = lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(log.filter((entry) => entry.caseId === caseId).map((entry) => entry.message)).toEqual(expect.arrayContaining(['case awaiting-decision', 'case containing', 'case contained']));
    for (const entry of log) expect(entry).toMatchObject({ at: expect.any(String), level: expect.any(String), message: expect.any(String) });

    // The exporter publishes on its own schedule: ask until the case's last metrics are there.
    let metrics = '';
    for (let attempt = 0; attempt < 100 && !(/scc_case_time_to_count\{[^}]*milestone="contained"/.test(metrics) && /^scc_cases\{[^}]*status="contained"[^}]*\} 1$/m.test(metrics)); attempt++) {
      metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(metrics).toMatch(/^scc_case_transitions_total\{[^}]*status="awaiting-decision"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^scc_case_transitions_total\{[^}]*status="contained"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^scc_step_duration_count\{[^}]*step="cloud-run"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^scc_case_time_to_count\{[^}]*milestone="ready"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^scc_case_time_to_count\{[^}]*milestone="contained"[^}]*\} 1$/m);
    // Cases by status now, from the store: the one case moved out of awaiting-decision.
    expect(metrics).toMatch(/^scc_cases\{[^}]*status="contained"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^scc_cases\{[^}]*status="awaiting-decision"[^}]*\} 0$/m);
    expect(metrics).toMatch(/^scc_action_outcomes_total\{[^}]*action="shift-traffic-to-previous-revision"[^}]*status="applied"[^}]*\} 1$/m);
    // The Temporal runtime's own, from the same endpoint.
    expect(metrics).toMatch(/^temporal_workflow_completed_total\{/m);
    expect(metrics).toMatch(/^temporal_activity_execution_latency/m);
  } finally {
    if (worker) await killWorker(worker);
    await rig.stop();
    await db.close();
  }
}, 180_000);
