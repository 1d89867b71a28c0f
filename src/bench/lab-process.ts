import { readFileSync } from 'node:fs';
import { scenarioSchema } from '../lab/scenario';
import { startLab } from '../lab/server';

/**
 * The bench's lab in a process of its own, so that its CPU time is its own and not the bench's:
 * `node dist/bench/lab-process.js SCENARIO_JSON DATA_DIR`. Prints one JSON line (where it serves
 * and with which credentials), answers `GET /lab/calls` as any lab does, and prints the
 * calls by operation and the VirusTotal counts as a last JSON line when it is asked to stop (SIGTERM).
 */
async function main(): Promise<void> {
  const [scenarioPath, dataDir] = process.argv.slice(2);
  if (!scenarioPath || !dataDir) throw new Error('usage: lab-process SCENARIO_JSON DATA_DIR');
  const scenario = scenarioSchema.parse(JSON.parse(readFileSync(scenarioPath, 'utf8')));
  const lab = await startLab({ port: 0, scenario, dataDir });
  process.stdout.write(`${JSON.stringify({ url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotalKey: lab.virusTotalKey })}\n`);
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify({ calls: lab.calls, operations: lab.operations, virusTotal: { requests: lab.virusTotalQuota.requests, peakPerMinute: lab.virusTotalQuota.peakPerMinute() } })}\n`);
    void lab.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench lab: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
