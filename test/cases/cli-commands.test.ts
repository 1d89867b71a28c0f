import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedDatabase } from '../../src/cases/database';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/finding-check';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';

/** The case commands, as a user runs them in another terminal: config file, store over its port. */

let rig: CaseRig;
let socket: PGLiteSocketServer;
let previousConfig: string | undefined;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  socket = new PGLiteSocketServer({ db: (rig.store.db as EmbeddedDatabase).pglite, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await socket.start();
  const dir = mkdtempSync(join(tmpdir(), 'scc-cli-config-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    dataDir: dir,
    temporal: { address: rig.env.address, namespace: 'default', taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix },
    databaseUrl: `postgres://postgres@${socket.getServerConn()}/postgres`,
    policy: rig.policy,
  }));
  previousConfig = process.env.SCC_CONFIG;
  process.env.SCC_CONFIG = join(dir, 'config.json');
});

afterAll(async () => {
  if (previousConfig === undefined) delete process.env.SCC_CONFIG;
  else process.env.SCC_CONFIG = previousConfig;
  await socket?.stop();
  await rig?.stop();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => Buffer.alloc(0) };
  const code = await main(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

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
  expect(status.stdout).toContain(`scc-responder approve ${caseId} --as EMAIL`);

  const refused = await cli('approve', caseId!, '--as', 'mallory@evil.example');
  expect(refused).toMatchObject({ code: 1, stdout: '' });
  expect(refused.stderr).toBe(`error: ${caseId}: refused: "mallory@evil.example" is not an authorized approver for this case\n`);

  const approved = await cli('approve', caseId!, '--as', approvers.lead, '--reason', 'confirmed');
  expect(approved).toMatchObject({ code: 0 });
  expect(approved.stdout).toMatch(/approved: containment starts now/);
  await rig.waitForStatus(workflowId!, runId, 'contained');

  const markdown = await cli('case', 'show', caseId!, '--format', 'md');
  expect(markdown.stdout).toContain('**Status:** contained (contained)');
  expect((await cli('case', 'verify', caseId!)).stdout).toMatch(new RegExp(`^${caseId}: audit chain intact \\(\\d+ entries\\)\\n$`));
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
