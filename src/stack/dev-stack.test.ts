import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { freePort } from '../../test/free-port';
import { main } from '../cli/main';
import type { CliIo } from '../cli/finding-check';
import type { investigateCase } from '../workflows/investigate-case';
import { statusQuery, type CaseSnapshot } from '../workflows/shared';
import { defaultStackOptions, startStack, type RunningStack } from './dev-stack';

/** The main job: up, ingest the samples, approve from another "terminal", stop, up again, nothing lost. */

const dataDir = mkdtempSync(join(tmpdir(), 'scc-stack-'));
let previousDataDir: string | undefined;

beforeAll(() => {
  previousDataDir = process.env.SCC_DATA_DIR;
  process.env.SCC_DATA_DIR = dataDir;
});

afterAll(() => {
  if (previousDataDir === undefined) delete process.env.SCC_DATA_DIR;
  else process.env.SCC_DATA_DIR = previousDataDir;
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => Buffer.alloc(0) };
  return { code: await main(args, io), stdout: out.join(''), stderr: err.join('') };
}

async function statuses(stack: RunningStack, until: (s: CaseSnapshot[]) => boolean): Promise<Map<string, CaseSnapshot>> {
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  const client = new Client({ connection });
  try {
    for (let attempt = 0; attempt < 240; attempt++) {
      const snapshots = new Map<string, CaseSnapshot>();
      for (const { result } of stack.ingested) {
        const snapshot = await client.workflow.getHandle<typeof investigateCase>(result.workflowId, result.runId).query(statusQuery).catch(() => undefined);
        if (snapshot) snapshots.set(result.caseId, snapshot);
      }
      if (until([...snapshots.values()])) return snapshots;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('the stack’s cases did not settle');
  } finally {
    await connection.close();
  }
}

test('npm run dev’s stack: samples become cases, an approval lands, and a restart keeps everything', async () => {
  const options = { ...defaultStackOptions, dataDir, temporalPort: await freePort(), temporalUiPort: await freePort(), labPort: await freePort(), databasePort: await freePort(), consolePort: await freePort() };
  let stack = await startStack(options, () => undefined);
  let pending: string;
  let contained: string;
  try {
    expect(stack.ingested).toHaveLength(5);
    const caseIds = [...new Set(stack.ingested.map((i) => i.result.caseId))];
    expect(caseIds).toHaveLength(3); // related findings joined: two per subject on two of them
    const settled = await statuses(stack, (s) => s.length === 3 && s.every((c) => c.status === 'awaiting-decision'));
    [contained, pending] = [...settled.keys()] as [string, string];

    // The store's port opens with the password kept in the data folder, and not without it.
    const anyone = new PgClient({ connectionString: `postgres://postgres@127.0.0.1:${options.databasePort}/postgres`, password: 'guessed' });
    await expect(anyone.connect()).rejects.toThrow(/password authentication failed/);
    const kept = readFileSync(join(dataDir, 'case-store-password'), 'utf8').trim();
    const owner = new PgClient({ connectionString: `postgres://postgres:${kept}@127.0.0.1:${options.databasePort}/postgres` });
    await owner.connect();
    expect((await owner.query<{ n: number }>('select count(*)::int as n from cases')).rows[0]!.n).toBe(3);
    await owner.end();

    const approved = await cli('approve', contained, '--user', 'secops@acme.example', '--reason', 'confirmed');
    expect(approved).toMatchObject({ code: 0 });
    await statuses(stack, (s) => s.some((c) => c.caseId === contained && c.status === 'contained'));
  } finally {
    await stack.stop();
  }

  stack = await startStack(options, () => undefined);
  try {
    expect(stack.ingested.every((i) => i.result.duplicate)).toBe(true);
    const listed = await cli('cases', 'list');
    expect(listed.stdout).toMatch(new RegExp(`${contained!}\\s+contained`));
    expect(listed.stdout).toMatch(new RegExp(`${pending!}\\s+awaiting-decision`));
    // The console came back with the stack, and the same generated passwords still sign in: one per user.
    const passwords = new Map(readFileSync(stack.consoleUsersFile, 'utf8').trim().split('\n').map((line) => line.split(' ') as [string, string]));
    const password = passwords.get('secops@acme.example');
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(passwords.get('lead@acme.example')).not.toBe(password);
    const crossed = await fetch(`${stack.consoleUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'lead@acme.example', password }) });
    expect(crossed.status).toBe(401);
    const signIn = await fetch(`${stack.consoleUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'secops@acme.example', password }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const waiting = (await (await fetch(`${stack.consoleUrl}/api/cases?status=awaiting-decision`, { headers: { cookie } })).json()) as { cases: { id: string }[] };
    expect(waiting.cases.map((c) => c.id)).toContain(pending!);
    expect(await cli('approve', pending!, '--user', 'lead@acme.example')).toMatchObject({ code: 0 });
    await statuses(stack, (s) => s.some((c) => c.caseId === pending && c.status === 'contained'));
  } finally {
    await stack.stop();
  }
}, 240_000);
