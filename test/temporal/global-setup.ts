import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { allSearchAttributeKeys } from '../../src/workflows/search-attributes';
import { writeWorkflowBundle } from '../../src/worker/bundle';
import { resolveTemporalCli } from '../../src/stack/temporal-cli';
import { sharedEnvKeys } from './shared-env';

/** One dev server and one workflow bundle for the whole run; test files attach to both. */
export default async function globalSetup(): Promise<void> {
  // dist/ once per run: the CLI binary and worker processes that tests start run the build.
  const root = join(__dirname, '../..');
  const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);

  const path = resolveTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: allSearchAttributeKeys,
      log: { format: 'pretty', level: 'error' },
    },
  });
  (globalThis as { __sccTemporalEnv?: TestWorkflowEnvironment }).__sccTemporalEnv = env;

  // Bundling is also the guard that workflow code imports nothing the sandbox cannot load.
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'scc-responder-test-')), 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);

  process.env[sharedEnvKeys.address] = env.address;
  process.env[sharedEnvKeys.bundle] = bundlePath;
}
