import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './create-worker';

/**
 * The workflow bundle, built once (an image build step) so that every worker starting from it
 * skips seconds of bundling; SCC_WORKFLOW_BUNDLE points the worker at it.
 */
export async function writeWorkflowBundle(out: string): Promise<number> {
  const silent = () => undefined;
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace: silent, debug: silent, info: silent, warn: silent, error: silent, log: silent } });
  writeFileSync(out, code);
  return Buffer.byteLength(code);
}
