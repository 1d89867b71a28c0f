import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { cliOnRig, labPassword, type CliRun } from '../cli-harness';
import { entryHash, genesisHash, type AuditEntry } from '../../src/cases/audit';

/** The case commands, as a user runs them in another terminal: config file, store over its port. */

let rig: CaseRig;
let harness: Awaited<ReturnType<typeof cliOnRig>>;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  harness = await cliOnRig(rig);
}, 180_000);

afterAll(async () => {
  await harness?.stop();
  await rig?.stop();
});

const cli = (...args: string[]): Promise<CliRun> => harness.cli(...args);

test('ingest, list, status, a refused and an accepted approval, and the case record', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'scc-cli-finding-')), 'finding.json');
  writeFileSync(file, rig.finding('Launch Code Compiler Tool In Container', 'cloud-run').raw);
  const ingested = await cli('ingest', file);
  expect(ingested.code).toBe(0);
  const [caseId, workflowId] = ingested.stdout.trim().split(' ');
  expect(caseId).toMatch(/^case-[0-9a-f]{12}$/);

  await rig.waitForStatus(workflowId!, '', 'awaiting-decision');
  const runId = (await rig.store.getCase(caseId!))!.case.run_id;
  expect((await cli('ingest', file)).stdout).toBe(`${caseId} ${workflowId} (already part of this case)\n`);

  expect((await cli('cases', 'list')).stdout).toMatch(new RegExp(`${caseId}\\s+awaiting-decision`));
  const status = await cli('status', caseId!);
  expect(status.stdout).toContain('shift-traffic-to-previous-revision: Move 100%');
  expect(status.stdout).toContain(`scc-responder approve ${caseId}`);

  const refused = await cli('approve', caseId!, '--user', 'mallory@evil.example');
  expect(refused).toMatchObject({ code: 1, stdout: '' });
  expect(refused.stderr).toBe(`error: ${caseId}: the console refused mallory@evil.example (lab sign-in): mallory@evil.example is not on the approvers list\n`);

  // Naming somebody else takes their password: the console, not the CLI, says who decides.
  process.env.SCC_CONSOLE_PASSWORD = 'not the password of lead';
  const impostor = await cli('approve', caseId!, '--user', approvers.lead);
  process.env.SCC_CONSOLE_PASSWORD = labPassword;
  expect(impostor).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^error: the console refused lead@acme\.example \(lab sign-in\): /) });

  const approved = await cli('approve', caseId!, '--user', approvers.lead, '--reason', 'confirmed');
  expect(approved).toMatchObject({ code: 0 });
  expect(approved.stdout).toMatch(/approved: containment starts now/);
  await rig.waitForStatus(workflowId!, runId, 'contained');
  const repeated = await cli('approve', caseId!, '--user', approvers.lead);
  expect(repeated).toMatchObject({ code: 1, stdout: '', stderr: `error: ${caseId} is not waiting for a decision (status: contained)\n` });

  const markdown = await cli('case', 'show', caseId!, '--format', 'md');
  expect(markdown.stdout).toContain('**Status:** contained (contained)');
  expect((await cli('case', 'verify', caseId!)).stdout).toMatch(new RegExp(`^${caseId}: audit chain intact \\(\\d+ entries\\); decisions: 1 signed by the decision authority \\(${rig.authority.key.id}\\)\\n$`));
  await rig.store.db.query(`update audit_log set entry = jsonb_set(entry, '{at}', '"2020-01-01T00:00:00Z"') where case_id = $1 and seq = 3`, [caseId]);
  const tampered = await cli('case', 'verify', caseId!);
  expect(tampered.code).toBe(1);
  expect(tampered.stderr).toMatch(/audit chain broken at entry #3 .*its content was changed/);
  const json = JSON.parse((await cli('case', 'show', caseId!)).stdout);
  expect(Object.values(json.rawFindings)).toEqual([rig.finding('Launch Code Compiler Tool In Container', 'cloud-run').raw]);
});

test('errors are one clear line and a non-zero exit', async () => {
  expect(await cli('status', 'nonsense')).toMatchObject({ code: 2, stderr: 'error: "nonsense" is not a case ID (case-XXXXXXXXXXXX)\n' });
  expect(await cli('status', 'case-000000000000')).toMatchObject({ code: 1, stderr: 'error: no case case-000000000000\n' });
  const bad = join(mkdtempSync(join(tmpdir(), 'scc-cli-bad-')), 'bad.json');
  writeFileSync(bad, '{"finding": {"name": "x"}}');
  const ingest = await cli('ingest', bad);
  expect(ingest.code).toBe(2);
  expect(ingest.stderr).toMatch(/^error: .*bad\.json: invalid finding at finding\.category: is missing\n$/);
});

test('revert: refused for a non-approver, exact in dry-run, then undoes the preserve-then-replace and the cordon, and says what cannot be undone', async () => {
  const clusterPath = '/k8s/acme-payments-prod/us-central1/payments-prod';
  const cluster = rig.lab.clusters.get(clusterPath)!;
  const kube = rig.deps.clients.kubernetes({ project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' });
  const parsed = rig.finding('Launch Code Compiler Tool In Container', 'gke');
  const subject = parsed.finding.subject as { namespace: string; pod: string; node: string };
  const before = { labels: (await kube.getPod(subject.namespace, subject.pod)).labels, pods: (await kube.listPods(subject.namespace)).map((p) => p.uid).sort() };

  const { workflowId, runId, caseId } = await rig.ingest(parsed, { responses: { 'launch-code-compiler-tool': { gke: ['notify-owner', 'preserve-then-replace-pod', 'cordon-node'] } } });
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(ready.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'preserve-then-replace-pod', 'cordon-node']);
  expect((await cli('approve', caseId, '--user', approvers.lead)).code).toBe(0);
  await rig.waitFor(workflowId, runId, (s) => s.status === 'contained');
  expect((await kube.getNode(subject.node)).unschedulable).toBe(true);
  expect((await kube.getPod(subject.namespace, subject.pod)).owner).toBeUndefined();

  const writes = () => cluster.store.mutations.filter((m) => m.by === 'client').length;
  const afterContainment = writes();
  const refused = await cli('revert', caseId, '--user', 'mallory@evil.example', '--reason', 'oops');
  expect(refused).toMatchObject({ code: 1, stderr: `error: ${caseId}: the console refused mallory@evil.example (lab sign-in): mallory@evil.example is not on the approvers list\n` });
  const dryRun = await cli('revert', caseId, '--user', approvers.secops, '--reason', 'checking', '--dry-run');
  expect(dryRun.code).toBe(0);
  expect(dryRun.stdout.split('\n').slice(0, 3)).toEqual([
    `${caseId}: dry run, nothing changed by ${approvers.secops}`,
    `  cordon-node dry-run: would undo: ${ready.plan!.actions[2]!.effect}`,
    `  preserve-then-replace-pod dry-run: would undo: ${ready.plan!.actions[1]!.effect}`,
  ]);
  expect(writes()).toBe(afterContainment);

  const reverted = await cli('revert', caseId, '--user', approvers.secops, '--reason', 'the compiler is part of the plugin build');
  expect(reverted.code).toBe(0);
  expect(reverted.stdout).toContain('cordon-node applied: uncordoned');
  expect(reverted.stdout).toContain('preserve-then-replace-pod applied: labels');
  expect((await kube.getNode(subject.node)).unschedulable).toBe(false);
  expect((await kube.getPod(subject.namespace, subject.pod)).labels).toEqual(before.labels);
  expect((await kube.listPods(subject.namespace)).map((p) => p.uid).sort()).toEqual(before.pods);

  const record = (await rig.store.getCase(caseId))!;
  expect(record.timeline.filter((t) => t.kind === 'revert').map((t) => t.outcome)).toEqual(['ok', 'ok']);
  expect(record.actions.filter((a) => a.action_key.startsWith('revert:') && !a.dry_run).map((a) => a.status)).toEqual(['applied', 'applied']);
  expect((await cli('case', 'verify', caseId)).code).toBe(0);
});

test('revert of a replaced pod says it cannot be undone, and a running case is not reverted', async () => {
  const parsed = rig.finding('Netcat Remote Code Execution In Container', 'gke');
  const { workflowId, runId, caseId } = await rig.ingest(parsed, { responses: { 'netcat-remote-code-execution': { gke: ['replace-pod'] } } });
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  expect(await cli('revert', caseId, '--user', approvers.secops, '--reason', 'too early')).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('only a contained (or partly contained) case can be reverted'),
  });
  expect((await cli('approve', caseId, '--user', approvers.secops)).code).toBe(0);
  await rig.waitFor(workflowId, runId, (s) => s.status === 'contained');
  const reverted = await cli('revert', caseId, '--user', approvers.secops, '--reason', 'false alarm');
  expect(reverted.stdout).toBe(`${caseId}: reverted by ${approvers.secops}\n  replace-pod not reverted: replace-pod cannot be undone\n`);
});

test('as a real process: exit 0 when done, 1 for a refusal or a missing case, 2 for bad input; a reasoned reject closes the case with nothing changed', async () => {
  const run = (...args: string[]) => harness.process(...args);
  const dir = mkdtempSync(join(tmpdir(), 'scc-cli-process-'));
  const file = join(dir, 'finding.json');
  writeFileSync(file, rig.finding('Malicious Script Executed', 'gke').raw);
  writeFileSync(join(dir, 'bad.json'), '{"finding": {"name": "x"}}');
  const clusterPath = '/k8s/acme-payments-prod/us-central1/payments-prod';
  const writes = () => rig.lab.clusters.get(clusterPath)!.store.mutations.filter((m) => m.by === 'client').length;

  const ingested = await run('ingest', file);
  expect(ingested).toMatchObject({ code: 0, stderr: '' });
  const [caseId, workflowId] = ingested.stdout.trim().split(' ') as [string, string];
  await rig.waitForStatus(workflowId, '', 'awaiting-decision');
  const runId = (await rig.store.getCase(caseId))!.case.run_id;
  const writesBefore = writes();

  expect(await run('status', caseId)).toMatchObject({ code: 0, stdout: expect.stringContaining(caseId) });
  expect(await run('ingest', join(dir, 'bad.json'))).toMatchObject({ code: 2, stderr: expect.stringMatching(/invalid finding at finding\.category/) });
  expect(await run('status', 'nonsense')).toMatchObject({ code: 2, stderr: 'error: "nonsense" is not a case ID (case-XXXXXXXXXXXX)\n' });
  expect(await run('status', 'case-000000000000')).toMatchObject({ code: 1, stderr: 'error: no case case-000000000000\n' });
  expect(await run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: scc-responder') });
  expect(await run('reject', caseId, '--user', approvers.lead)).toMatchObject({ code: 2, stderr: expect.stringContaining("required option '--reason <text>' not specified") });
  expect(await run('reject', caseId, '--user', 'mallory@evil.example', '--reason', 'mine now')).toMatchObject({ code: 1, stderr: `error: ${caseId}: the console refused mallory@evil.example (lab sign-in): mallory@evil.example is not on the approvers list\n` });
  // The CLI decides as who signed in, never as a name it is told.
  expect(await run('approve', caseId, '--as', approvers.lead)).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--as'") });
  expect(await run('no-such-command')).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'no-such-command'") });

  const rejected = await run('reject', caseId, '--user', approvers.lead, '--reason', 'the script is our own migration');
  expect(rejected).toMatchObject({ code: 0, stderr: '' });
  expect(await rig.env.client.workflow.getHandle(workflowId, runId).result()).toMatchObject({ status: 'rejected', outcome: 'rejected', actions: [] });
  expect(writes()).toBe(writesBefore);
  expect((await rig.store.getCase(caseId))!.case.decision).toEqual([expect.objectContaining({ decision: 'reject', approver: approvers.lead, reason: 'the script is our own migration' })]);
  expect(await run('approve', caseId, '--user', approvers.lead)).toMatchObject({ code: 1, stderr: `error: ${caseId} is not waiting for a decision (status: rejected)\n` });
  expect(await run('case', 'verify', caseId)).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`audit chain intact \\(\\d+ entries\\); decisions: 1 signed by the decision authority \\(${rig.authority.key.id}\\)`)) });

  // Whoever holds the database can rewrite the chain so that it holds together again; not the signature under a decision.
  await rewriteChain(caseId, 'timeline:decision:1', (detail) => ({ ...detail, approver: 'mallory@evil.example' }));
  expect(await run('case', 'verify', caseId)).toMatchObject({
    code: 1,
    stderr: `error: ${caseId}: audit chain intact, but timeline:decision:1 (mallory@evil.example) does not verify: the record names mallory@evil.example, the signature ${approvers.lead}\n`,
  });
}, 120_000);

/** What a database administrator can do: change an entry, and every hash from there on, and the timeline to match. */
async function rewriteChain(caseId: string, key: string, change: (detail: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const db = rig.store.db;
  const rows = await db.query<{ seq: number; entry_key: string; entry: AuditEntry }>('select seq, entry_key, entry from audit_log where case_id = $1 order by seq', [caseId]);
  let prev = genesisHash;
  for (const row of rows) {
    const entry = row.entry_key === key ? { ...row.entry, content: { ...row.entry.content, detail: change(row.entry.content.detail as Record<string, unknown>) } } : row.entry;
    const hash = entryHash(prev, row.seq, entry);
    await db.query('update audit_log set entry = $3, prev_hash = $4, hash = $5 where case_id = $1 and seq = $2', [caseId, row.seq, JSON.stringify(entry), prev, hash]);
    if (row.entry_key === key) await db.query('update timeline set detail = $3 where case_id = $1 and event_key = $2', [caseId, key.replace(/^timeline:/, ''), JSON.stringify(entry.content.detail)]);
    prev = hash;
  }
}

test('machine-readable answers: --version, and JSON from ingest, status, approve, verify, list and permissions', async () => {
  const run = (...args: string[]) => harness.process(...args);
  const version = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
  expect(await run('--version')).toMatchObject({ code: 0, stdout: `${version}\n` });
  const file = join(mkdtempSync(join(tmpdir(), 'scc-cli-json-')), 'finding.json');
  writeFileSync(file, rig.finding('Added Binary Executed', 'gke').raw);

  const ingested = await run('ingest', file, '-o', 'json');
  expect(ingested).toMatchObject({ code: 0, stderr: '' });
  const started = JSON.parse(ingested.stdout) as { caseId: string; workflowId: string; duplicate: boolean; origin: string };
  expect(started).toMatchObject({ origin: file, caseId: expect.stringMatching(/^case-[0-9a-f]{12}$/), duplicate: false });
  await rig.waitForStatus(started.workflowId, '', 'awaiting-decision');

  const status = JSON.parse((await run('status', started.caseId, '--format', 'json')).stdout) as { caseId: string; status: string; live: { plan: { hash: string } } };
  expect(status).toMatchObject({ caseId: started.caseId, status: 'awaiting-decision', live: { plan: { hash: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
  const approved = await run('approve', started.caseId, '--user', approvers.lead, '-o', 'json');
  expect(approved).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(approved.stdout)).toEqual({ caseId: started.caseId, decision: 'approve', planHash: status.live.plan.hash, approvalsNeeded: 0 });
  expect(await rig.env.client.workflow.getHandle(started.workflowId).result()).toMatchObject({ outcome: 'contained' });

  expect(JSON.parse((await run('case', 'verify', started.caseId, '-o', 'json')).stdout)).toMatchObject({ caseId: started.caseId, intact: true, decisions: { verified: 1 }, keyIds: [rig.authority.key.id] });
  expect((JSON.parse((await run('cases', 'list', '-o', 'json')).stdout) as { id: string }[]).map((c) => c.id)).toContain(started.caseId);
  const permissions = JSON.parse((await run('permissions', '-o', 'json')).stdout) as { adapters: { name: string }[]; actions: { name: string }[] };
  expect(permissions.adapters.map((a) => a.name)).toContain('Kubernetes');
  expect(await run('status', started.caseId, '-o', 'yaml')).toMatchObject({ code: 2, stderr: expect.stringContaining("argument 'yaml' is invalid") });
  // Nine CLI processes and a whole case: each process loads the build, which a loaded machine makes slow.
}, 240_000);
