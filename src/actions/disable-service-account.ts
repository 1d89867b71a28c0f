import { z } from 'zod';
import { PermanentCloudError } from '../cloud/errors';
import type { ActionModule } from './action';
import { cloudRunIdentity, gkeIdentity, otherPrincipals, parametersForIdentity } from './cloud-identity';
import type { PlannedAction } from '../workflows/shared';

/**
 * Disables the Google service account the compromised workload runs as: nothing can use it any
 * more, including whoever stole its credentials, and including every other workload that shares
 * it (the blast radius lists them). Revert enables it again.
 */

const parameters = z.discriminatedUnion('runtime', [
  z.object({ runtime: z.literal('gke'), project: z.string(), location: z.string(), cluster: z.string(), namespace: z.string(), pod: z.string() }),
  z.object({ runtime: z.literal('cloud-run'), project: z.string(), region: z.string(), service: z.string(), revision: z.string().optional() }),
]);

export const disableServiceAccount: ActionModule<z.infer<typeof parameters>> = {
  name: 'disable-service-account',
  description: 'Disable the Google service account the workload runs as (through Workload Identity on GKE, the revision’s own on Cloud Run): nothing can act as it until it is enabled again.',
  permissions: ['kubernetes: get pods', 'kubernetes: get serviceaccounts', 'iam: container.pods.get, container.serviceAccounts.get, iam.serviceAccounts.get, iam.serviceAccounts.getIamPolicy, iam.serviceAccounts.disable, iam.serviceAccounts.enable, run.revisions.list'],
  destructive: true,
  parameters,
  parametersFrom: parametersForIdentity,
  preconditions: ['the workload runs as a Google service account of its own (not the default compute account)', 'the account is enabled'],

  async plan({ clients }, params) {
    const identity = params.runtime === 'gke' ? await gkeIdentity(clients, params) : await cloudRunIdentity(clients, params);
    if ('notApplicable' in identity) return identity;
    const account = await clients.iam.getServiceAccount(identity.serviceAccount);
    if (account.disabled) return { notApplicable: `${identity.serviceAccount} is already disabled` };
    const runsAs = identity.runtime === 'gke' ? `pods running as Kubernetes service account ${identity.kubernetesServiceAccount}` : `revision ${identity.revision}`;
    return {
      action: 'disable-service-account',
      target: { kind: 'service-account', serviceAccount: identity.serviceAccount },
      effect: `Disable service account ${identity.serviceAccount}, which ${runsAs} act as: every workload and principal using it loses it until it is enabled again. Revert enables it.`,
      destructive: true,
      permissions: disableServiceAccount.permissions,
    };
  },

  async blastRadius({ clients }, action) {
    const target = accountTarget(action);
    const principals = await otherPrincipals(clients, target.serviceAccount);
    return { identity: { serviceAccount: target.serviceAccount, otherPrincipals: principals }, notes: principals.length ? [`disabling ${target.serviceAccount} also cuts off ${principals.join(', ')}`] : [] };
  },

  async holds({ clients }, action) {
    return (await clients.iam.getServiceAccount(accountTarget(action).serviceAccount)).disabled === true;
  },

  async apply({ clients }, action) {
    const target = accountTarget(action);
    if ((await clients.iam.getServiceAccount(target.serviceAccount)).disabled) return { action: action.action, target: target.serviceAccount, status: 'already-done', detail: 'disabled' };
    await clients.iam.setDisabled(target.serviceAccount, true);
    return { action: action.action, target: target.serviceAccount, status: 'applied', detail: 'disabled' };
  },

  async revert({ clients }, action) {
    const target = accountTarget(action);
    await clients.iam.setDisabled(target.serviceAccount, false);
    return { action: action.action, target: target.serviceAccount, status: 'applied', detail: 'enabled' };
  },
};

function accountTarget(action: PlannedAction) {
  const target = action.target;
  if (target.kind !== 'service-account') throw new PermanentCloudError({ service: 'iam', operation: action.action, target: JSON.stringify(target) }, undefined, 'not a service account target');
  return target;
}
