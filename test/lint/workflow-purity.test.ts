import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The lint rule that keeps workflow code deterministic, checked through the real eslint CLI. */

const root = join(__dirname, '../..');

function lintAs(path: string, source: string): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', path],
    { cwd: root, input: source, encoding: 'utf8' },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

test('workflow code may not import Node built-ins, clients or I/O modules, nor touch process or fetch', () => {
  const source = [
    "import { readFileSync } from 'node:fs';",
    "import * as http from 'http';",
    "import { Connection } from '@temporalio/client';",
    "import { describeWorker } from '../activities/worker-health';",
    'export async function bad(): Promise<unknown> {',
    '  readFileSync; http; Connection; describeWorker;',
    '  await fetch(process.env.URL ?? "");',
    '  return undefined;',
    '}',
    '',
  ].join('\n');
  const { status, output } = lintAs('src/workflows/probe.ts', source);
  expect(status).toBe(1);
  for (const needle of ["'node:fs'", "'http'", "'@temporalio/client'", "'../activities/worker-health'", 'fetch', 'process']) {
    expect(output).toContain(needle);
  }
});

test('type-only imports from activity modules and the workflow API are allowed', () => {
  const source = [
    "import { proxyActivities } from '@temporalio/workflow';",
    "import type * as activities from '../activities';",
    'const { describeWorker } = proxyActivities<typeof activities>({ startToCloseTimeout: 1000 });',
    'export async function good(): Promise<unknown> {',
    '  return await describeWorker();',
    '}',
    '',
  ].join('\n');
  expect(lintAs('src/workflows/probe.ts', source)).toEqual({ status: 0, output: '' });
});

test('the same imports are fine outside src/workflows', () => {
  expect(lintAs('src/activities/probe.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n").status).toBe(0);
});
