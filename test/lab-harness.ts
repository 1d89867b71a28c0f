import { startLab, type Lab, type LabOptions } from '../src/lab/server';
import type { CloudTarget } from '../src/cloud/config';

/** A lab per test file, on a free loopback port, and the cloud target that points at it. */
export async function startTestLab(options: LabOptions = {}): Promise<{ lab: Lab; target: CloudTarget & { mode: 'lab' } }> {
  const lab = await startLab({ port: 0, ...options });
  return {
    lab,
    target: { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey } },
  };
}

export const paymentsCluster = { project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' };
