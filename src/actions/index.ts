import type { ActionName } from '../workflows/shared';
import type { ActionModule } from './action';
import { cordonNode } from './cordon-node';
import { notifyOwner } from './notify-owner';
import { quarantinePod } from './quarantine-pod';
import { replacePod } from './replace-pod';
import { shiftTraffic } from './shift-traffic';

export type { ActionContext, ActionModule } from './action';

/** Every action, by name: adding an action is adding one module here. */
export const actions: Record<ActionName, ActionModule<never>> = {
  'replace-pod': replacePod as ActionModule<never>,
  'shift-traffic-to-previous-revision': shiftTraffic as ActionModule<never>,
  'notify-owner': notifyOwner as ActionModule<never>,
  'quarantine-pod': quarantinePod as ActionModule<never>,
  'cordon-node': cordonNode as ActionModule<never>,
};
