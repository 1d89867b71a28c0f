import type { ActionName } from '../workflows/shared';
import type { ActionModule } from './action';
import { cordonNode } from './cordon-node';
import { deleteRevision } from './delete-revision';
import { preserveThenReplacePod } from './preserve-then-replace-pod';
import { restrictIngress } from './restrict-ingress';
import { scaleWorkloadToZero } from './scale-workload-to-zero';
import { notifyOwner } from './notify-owner';
import { quarantinePod } from './quarantine-pod';
import { replacePod } from './replace-pod';
import { shiftTraffic } from './shift-traffic';

export type { ActionContext, ActionModule } from './action';

/** Every action, by name: adding an action is adding one module here. */
export const actions: Record<ActionName, ActionModule<never>> = {
  'replace-pod': replacePod as ActionModule<never>,
  'preserve-then-replace-pod': preserveThenReplacePod as ActionModule<never>,
  'quarantine-pod': quarantinePod as ActionModule<never>,
  'scale-workload-to-zero': scaleWorkloadToZero as ActionModule<never>,
  'cordon-node': cordonNode as ActionModule<never>,
  'shift-traffic-to-previous-revision': shiftTraffic as ActionModule<never>,
  'delete-revision': deleteRevision as ActionModule<never>,
  'restrict-ingress': restrictIngress as ActionModule<never>,
  'notify-owner': notifyOwner as ActionModule<never>,
};
