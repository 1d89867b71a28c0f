import type { Client } from '@temporalio/client';
import type { ParsedFinding } from '../../src/findings/model';
import type { FaultRule } from '../../src/lab/scenario';
import type { CaseSnapshot } from '../../src/workflows/shared';
import { startCaseRig, type CaseRig, type WebhookFault } from '../case-rig';
import { scenarioFinding, variantOf } from '../fixtures/finding-variants';

/**
 * The fault matrix: every call the pipeline makes on its way to a decision, answered in each way
 * a real cloud fails (404, 403, a permanent 500, no answer, a cut-off body). Whatever the answer,
 * the case reaches a person (awaiting a decision) with the failure named (API, operation, and for
 * a refusal the permission), and no workflow fails. Each fault kind runs in a lab of its own, all
 * at once; within one, the calls are faulted one after the other.
 */

const kinds = {
  '404': { permanentStatus: 404 },
  '403': { permanentStatus: 403 },
  '500': { permanentStatus: 500 },
  timeout: { hangMs: 2500 },
  malformed: { malformed: true },
} as const satisfies Record<string, Partial<FaultRule>>;
type Kind = keyof typeof kinds;

const webhookFaults: Record<Kind, WebhookFault> = { '404': { status: 404 }, '403': { status: 403 }, '500': { status: 500 }, timeout: { hangMs: 2500 }, malformed: { malformed: true } };

/** Which subject a cell's case is about. */
type Subject = 'gke' | 'gke-distroless' | 'cloud-run' | 'gke-by-project-number';

interface Cell {
  /** The call, as the lab names it (`API operation`), or `notify post notice` for the webhook. */
  call: string;
  subject: Subject;
  /** How the failure is named in the case: `service operation`, as adapters name it. */
  named: string;
  /** What a fault kind yields instead of a gap, by design (a VirusTotal 404 is an unknown verdict). */
  designed?: Partial<Record<Kind, (ready: CaseSnapshot, rig: CaseRig) => string | undefined>>;
}

const unknownVerdict = (ready: CaseSnapshot) => (ready.steps.find((s) => s.step === 'research')?.summary.includes('without a verdict') ? undefined : 'research does not report the hash as without a verdict');
const unknownAddress = (ready: CaseSnapshot) => (ready.steps.find((s) => s.step === 'research')?.summary.includes('1 address(es) and domain(s), 0 flagged') ? undefined : 'research does not report the address as looked up and not flagged');
const deliveredAnyway = (_ready: CaseSnapshot, rig: CaseRig) => (rig.notices.some((n) => n.event === 'ready-for-decision') ? undefined : 'the notice was not delivered');

const cells: Cell[] = [
  // First: once looked up, the peer's report is in the case store's cache for the cases after it.
  { call: 'virustotal ip_addresses.get', subject: 'cloud-run', named: 'virustotal get IP address report', designed: { '404': unknownAddress } },
  { call: 'virustotal files.get', subject: 'gke', named: 'virustotal get file report', designed: { '404': unknownVerdict } },
  { call: 'scc findings.list', subject: 'gke', named: 'scc list related findings' },
  { call: 'scc securityMarks.update', subject: 'gke', named: 'scc update security marks' },
  { call: 'gke clusters.get', subject: 'gke', named: 'gke get cluster' },
  { call: 'kubernetes get nodes', subject: 'gke', named: 'kubernetes get node' },
  { call: 'kubernetes get pods', subject: 'gke', named: 'kubernetes get pod' },
  { call: 'kubernetes get replicasets', subject: 'gke', named: 'kubernetes get replicaset' },
  { call: 'kubernetes get deployments', subject: 'gke', named: 'kubernetes get deployment' },
  { call: 'kubernetes list pods', subject: 'gke', named: 'kubernetes list pods' },
  { call: 'kubernetes list networkpolicies', subject: 'gke', named: 'kubernetes list networkpolicies' },
  { call: 'kubernetes create pods/exec', subject: 'gke', named: 'kubernetes exec' },
  { call: 'logging entries.list', subject: 'gke', named: 'logging pod logs' },
  { call: 'storage objects.insert', subject: 'gke', named: 'storage upload' },
  { call: 'kubernetes patch pods/ephemeralcontainers', subject: 'gke-distroless', named: 'kubernetes add ephemeral container' },
  { call: 'kubernetes get daemonsets', subject: 'gke-distroless', named: 'kubernetes get daemonset' },
  // Owners are read from annotations at notice time; one that cannot be read is passed over, and the notice still goes out.
  { call: 'kubernetes get namespaces', subject: 'gke-distroless', named: 'kubernetes get namespace', designed: { '404': deliveredAnyway, '403': deliveredAnyway, '500': deliveredAnyway, timeout: deliveredAnyway, malformed: deliveredAnyway } },
  { call: 'run services.get', subject: 'cloud-run', named: 'run get service' },
  { call: 'run revisions.list', subject: 'cloud-run', named: 'run list revisions' },
  // Netcat on Cloud Run plans to disable the revision's service account, and looks its peer up.
  { call: 'iam serviceAccounts.get', subject: 'cloud-run', named: 'iam serviceAccounts.get' },
  { call: 'iam serviceAccounts.getIamPolicy', subject: 'cloud-run', named: 'iam serviceAccounts.getIamPolicy' },
  { call: 'logging entries.list', subject: 'cloud-run', named: 'logging cloud run logs' },
  { call: 'resourcemanager projects.get', subject: 'gke-by-project-number', named: 'resourcemanager get project' },
  { call: 'notify post notice', subject: 'gke', named: 'notify post notice', designed: { malformed: deliveredAnyway } },
];

const retry = { maximumAttempts: 2, initialIntervalMs: 100, maximumIntervalMs: 200 };

function findingFor(rig: CaseRig, subject: Subject, suffix: string): ParsedFinding {
  const { scenario } = rig.lab;
  if (subject === 'cloud-run') return variantOf(scenarioFinding(scenario, 'Netcat Remote Code Execution In Container', 'cloud-run'), { suffix });
  if (subject === 'gke-distroless') {
    return variantOf(scenarioFinding(scenario, 'Added Binary Executed', 'gke'), { suffix, namespace: 'kube-system', pod: 'node-agent-8xq2v', container: 'agent', binary: { path: '/agent', pid: 1 } });
  }
  const entry = scenarioFinding(scenario, 'Launch Code Compiler Tool In Container', 'gke');
  if (subject === 'gke') return variantOf(entry, { suffix });
  // A bare v2 Finding, no resource wrapper, naming its project by number only.
  return variantOf(entry, { suffix, bare: true, projectNumber: scenario.projects.find((p) => p.id === 'acme-payments-prod')!.number });
}

/** Every place a case names what failed: step gaps, the case's own gaps, the plan's notes and blast radius. */
function namesOf(ready: CaseSnapshot): { text: string; permission?: string }[] {
  return [
    ...ready.steps.filter((s) => s.gap).map((s) => ({ text: s.gap!.reason, ...(s.gap!.permission ? { permission: s.gap!.permission } : {}) })),
    ...(ready.gaps ?? []).map((g) => ({ text: g.reason, ...(g.permission ? { permission: g.permission } : {}) })),
    ...(ready.plan?.notes ?? []).map((text) => ({ text })),
    ...(ready.plan?.blastRadius?.notes ?? []).map((text) => ({ text })),
  ];
}

/** Awaiting a decision, with SCC told and the owner route's notice sent or its failure recorded: all a case does before a person acts. */
async function settled(rig: CaseRig, ref: { caseId: string; workflowId: string; runId: string }): Promise<CaseSnapshot> {
  await rig.waitForStatus(ref.workflowId, ref.runId, 'awaiting-decision', 90_000);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const timeline = (await rig.store.getCase(ref.caseId))?.timeline ?? [];
    // The ready notice and SCC's write-back go out together: the case has settled once both are on the record, sent or a gap.
    const noticed = timeline.some((t) => t.event_key === 'notice:ready-for-decision' || (t.kind === 'gap' && t.step === 'notify'));
    const writtenBack = timeline.some((t) => t.kind === 'scc-write-back' || (t.kind === 'gap' && t.step === 'scc-write-back'));
    if (noticed && writtenBack) return rig.waitForStatus(ref.workflowId, ref.runId, 'awaiting-decision');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the case awaits a decision, but its notice or its write-back was neither done nor recorded as a gap');
}

async function runCell(rig: CaseRig, client: Client, cell: Cell, kind: Kind, index: number): Promise<string | undefined> {
  const label = `${cell.call} (${cell.subject}) × ${kind}`;
  const [api, ...rest] = cell.call.split(' ');
  if (api === 'notify') rig.webhookFault.set(webhookFaults[kind]);
  else rig.lab.faults.set([{ api: api as FaultRule['api'], operation: rest.join(' '), latencyMs: 0, transientRate: 0, ...kinds[kind] }]);
  rig.notices.length = 0;
  let caseRef: { workflowId: string; runId: string } | undefined;
  try {
    const ingested = await rig.ingest(findingFor(rig, cell.subject, `m${index}${kind.slice(0, 2)}`));
    caseRef = ingested;
    const ready = await settled(rig, ingested).catch(async (error: unknown) => {
      const description = await client.workflow.getHandle(ingested.workflowId, ingested.runId).describe();
      throw new Error(`${String(error)} (workflow ${description.status.name})`);
    });
    const served = api === 'notify' ? rig.webhookFault.served() : rig.lab.faults.served()[0]!.served;
    if (served === 0) return `${label}: the fault was never served (the call was not made)`;
    const designed = cell.designed?.[kind];
    if (designed) return ((problem) => (problem ? `${label}: ${problem}` : undefined))(designed(ready, rig));
    const named = namesOf(ready).filter((n) => n.text.includes(cell.named));
    if (named.length === 0) return `${label}: no gap names "${cell.named}"; the case says ${JSON.stringify(namesOf(ready).map((n) => n.text))}`;
    if (kind === '403' && !named.some((n) => n.permission || /\(needs /.test(n.text))) return `${label}: the refusal does not say which permission it needs: ${JSON.stringify(named)}`;
    return undefined;
  } catch (error) {
    return `${label}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    rig.lab.faults.set([]);
    rig.webhookFault.set(undefined);
    if (caseRef) await client.workflow.getHandle(caseRef.workflowId, caseRef.runId).terminate('fault matrix cell done').catch(() => undefined);
  }
}

test('every call the pipeline makes on its way to a decision is in the matrix', async () => {
  const rig = await startCaseRig({ retry }, { requestTimeoutMs: 1000, evidenceBucket: 'acme-evidence', sharedReadTtlMs: 0 });
  await rig.startWorker();
  try {
    for (const subject of ['gke', 'gke-distroless', 'cloud-run', 'gke-by-project-number'] as const) {
      const { workflowId, runId } = await rig.ingest(findingFor(rig, subject, `d${subject.length}`));
      await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 90_000);
      await rig.env.client.workflow.getHandle(workflowId, runId).terminate('discovered');
    }
    const made = Object.keys(rig.lab.operations).sort();
    const covered = new Set(cells.map((cell) => cell.call));
    expect(made.filter((call) => !covered.has(call))).toEqual([]);
  } finally {
    await rig.stop();
  }
}, 300_000);

test('404, 403, a permanent 500, no answer and a cut-off body on each call: every case reaches a decision with the failure named', async () => {
  const failures = await Promise.all(
    (Object.keys(kinds) as Kind[]).map(async (kind) => {
      const rig = await startCaseRig({ retry }, { requestTimeoutMs: 1000, evidenceBucket: 'acme-evidence', sharedReadTtlMs: 0 });
      await rig.startWorker();
      try {
        const found: string[] = [];
        for (const [index, cell] of cells.entries()) {
          const failure = await runCell(rig, rig.env.client, cell, kind, index);
          if (failure) found.push(failure);
        }
        return found;
      } finally {
        await rig.stop();
      }
    }),
  );
  expect(failures.flat()).toEqual([]);
}, 900_000);
