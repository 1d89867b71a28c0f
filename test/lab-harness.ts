import { startLab, type Lab, type LabOptions } from '../src/lab/server';
import type { CloudTarget } from '../src/cloud/config';
import { createCloudClients, type CloudClients } from '../src/cloud';
import { ChannelNotifier } from '../src/notify/channels';
import type { ActionContext } from '../src/actions/action';

/** A lab per test file, on a free loopback port, and the cloud target that points at it. */
export async function startTestLab(options: LabOptions = {}): Promise<{ lab: Lab; target: CloudTarget & { mode: 'lab' } }> {
  const lab = await startLab({ port: 0, ...options });
  return {
    lab,
    target: { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey } },
  };
}

export const paymentsCluster = { project: 'acme-payments-prod', location: 'us-central1', name: 'payments-prod' };

/** A lab with the real cloud clients pointed at it, as actions get them. */
export async function startActionLab(options: LabOptions = {}): Promise<{ lab: Lab; clients: CloudClients; context: ActionContext; stop(): Promise<void> }> {
  const { lab, target } = await startTestLab(options);
  const clients = createCloudClients(target);
  return {
    lab,
    clients,
    context: { clients, notifier: new ChannelNotifier([]) },
    async stop() {
      await clients.close();
      await lab.stop();
    },
  };
}
