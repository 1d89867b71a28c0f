import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/finding-check';

/**
 * What the Dockerfile runs, run here (no Docker engine on this machine): the workflow bundle it
 * builds at image time, which a worker must be able to load.
 */

const root = join(__dirname, '../..');

test('the image build step `scc-responder bundle` writes a bundle a worker loads', async () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain('node bin/scc-responder.js bundle dist/workflow-bundle.js');
  expect(dockerfile).toMatch(/^\s*SCC_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/m);
  expect(dockerfile).toContain('node bin/scc-responder.js bundle --tracing dist/workflow-bundle-traced.js');
  expect(dockerfile).toMatch(/^\s*SCC_TRACED_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle-traced\.js/m);
  expect(dockerfile).toMatch(/^USER node$/m);
  // The image runs the Node the suite runs on: the major in .nvmrc, on both stages.
  const major = readFileSync(join(root, '.nvmrc'), 'utf8').trim().split('.')[0];
  const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => m[1]);
  expect(bases).toEqual([major, major]);
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(Number(major));

  const out = join(mkdtempSync(join(tmpdir(), 'scc-bundle-')), 'workflow-bundle.js');
  const stdout: string[] = [];
  const io: CliIo = { stdout: (t) => stdout.push(t), stderr: () => undefined, readStdin: async () => Buffer.alloc(0) };
  expect(await main(['bundle', out], io)).toBe(0);
  expect(stdout.join('')).toBe(`${out}: ${statSync(out).size} bytes\n`);
  // A replay needs no server: loading the bundle into a worker is what is being checked.
  const history = JSON.parse(readFileSync(join(root, 'test/replay/histories/gke-escalated-expired.json'), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: { codePath: out } }, historyFromJSON(history), 'from-the-image-bundle');

  // The traced bundle carries the OpenTelemetry workflow interceptors, and replays the same history.
  const traced = join(mkdtempSync(join(tmpdir(), 'scc-bundle-')), 'workflow-bundle-traced.js');
  expect(await main(['bundle', '--tracing', traced], io)).toBe(0);
  expect(readFileSync(traced, 'utf8')).toContain('OpenTelemetryInboundInterceptor');
  expect(readFileSync(out, 'utf8')).not.toContain('OpenTelemetryInboundInterceptor');
  await Worker.runReplayHistory({ workflowBundle: { codePath: traced } }, historyFromJSON(history), 'from-the-traced-bundle');
}, 120_000);
