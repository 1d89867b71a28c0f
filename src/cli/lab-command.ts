import { loadScenario } from '../lab/scenario';
import { startLab, type Lab } from '../lab/server';
import type { CliIo } from './finding-check';

export interface LabCommandOptions {
  port: string;
  scenario?: string;
  dataDir?: string;
}

/** `scc-responder lab`: serves the lab until interrupted, and says how to point clients at it. */
export async function labCommand(options: LabCommandOptions, io: CliIo, untilStopped: (lab: Lab) => Promise<void>): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`error: --port must be a port number, got ${JSON.stringify(options.port)}\n`);
    return 2;
  }
  let scenario;
  try {
    scenario = options.scenario ? loadScenario(options.scenario) : loadScenario();
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const lab = await startLab({ scenario, port, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  io.stdout(
    [
      `lab "${scenario.name}" serving on ${lab.url}`,
      `  kubeconfig   ${lab.kubeconfigPath}   (kubectl --kubeconfig ${lab.kubeconfigPath} get pods -A)`,
      `  google apis  endpoint ${lab.url}, bearer token ${lab.token}`,
      `  virustotal   ${lab.url}/api/v3, x-apikey ${lab.virusTotalKey}`,
      `  faults       PUT ${lab.url}/lab/faults; calls: GET ${lab.url}/lab/calls`,
      '',
    ].join('\n'),
  );
  await untilStopped(lab);
  await lab.stop();
  return 0;
}
