import type { ActionModule } from './action';
import { cordonNode } from './cordon-node';
import { deleteRevision } from './delete-revision';
import { preserveThenReplacePod } from './preserve-then-replace-pod';
import { restrictIngress } from './restrict-ingress';
import { scaleWorkloadToZero } from './scale-workload-to-zero';
import { rollbackWorkload } from './rollback-workload';
import { notifyOwner } from './notify-owner';
import { quarantinePod } from './quarantine-pod';
import { replacePod } from './replace-pod';
import { shiftTraffic } from './shift-traffic-to-previous-revision';
import { revokeWorkloadIdentity } from './revoke-workload-identity';
import { disableServiceAccount } from './disable-service-account';
import { actionRegistry } from './registry';

export type { ActionContext, ActionModule } from './action';
export { actionRegistry, unknownActionsIn, type ActionRegistry } from './registry';

/** The actions this project ships; each module declares its own name, parameters and permissions. */
export const builtinActions: readonly ActionModule<unknown>[] = [
  replacePod,
  preserveThenReplacePod,
  quarantinePod,
  scaleWorkloadToZero,
  rollbackWorkload,
  cordonNode,
  shiftTraffic,
  deleteRevision,
  restrictIngress,
  revokeWorkloadIdentity,
  disableServiceAccount,
  notifyOwner,
];

export const actions = actionRegistry(builtinActions);
