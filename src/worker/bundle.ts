import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './create-worker';
import { tracingWorkflowModules } from './tracing';

/**
 * The workflow bundle, built once (an image build step) so that every worker starting from it
 * skips seconds of bundling; SCC_WORKFLOW_BUNDLE points the worker at it. With `tracing`, the
 * bundle carries the OpenTelemetry workflow interceptors (SCC_TRACED_WORKFLOW_BUNDLE): they cost
 * memory and time in every cached workflow, so a worker without tracing does without them.
 */
export async function writeWorkflowBundle(out: string, options: { tracing?: boolean } = {}): Promise<number> {
  const silent = () => undefined;
  // Webpack's progress says nothing; its warnings and errors matter (a module the sandbox cannot load).
  const logger = { trace: silent, debug: silent, info: silent, log: silent, warn: (message: string) => console.warn(message), error: (message: string) => console.error(message) };
  const { code } = await bundleWorkflowCode({ workflowsPath, ...(options.tracing ? { workflowInterceptorModules: tracingWorkflowModules } : {}), logger });
  writeFileSync(out, code);
  return Buffer.byteLength(code);
}
