import { actActivities } from './act';
import { captureActivities } from './capture';
import type { ActivityDeps } from './deps';
import { cloudRunActivities } from './cloud-run';
import { clusterAndNodeActivities } from './cluster-and-node';
import { podActivities } from './pod';
import { logActivities } from './logs';
import { notifyActivities } from './notify';
import { planActivities } from './plan';
import { recordActivities } from './record';
import { researchActivities } from './research';
import { revertActivities } from './revert';
import { reviewActivities } from './review';
import { presentingItsPlan } from './plan-records';
import { recordingTheirSteps } from './step-records';
import { writeBackActivities } from './write-back';

export * from './worker-health';
export type { ActivityDeps } from './deps';

/** Every activity the case workflow calls, bound to the worker's dependencies. */
export function createCaseActivities(deps: ActivityDeps) {
  const records = recordActivities(deps);
  const plans = planActivities(deps);
  return {
    ...records,
    ...recordingTheirSteps(deps.store, {
      ...reviewActivities(deps),
      ...clusterAndNodeActivities(deps),
      ...podActivities(deps),
      ...cloudRunActivities(deps),
      ...logActivities(deps),
      ...captureActivities(deps),
      ...researchActivities(deps),
    }),
    ...plans,
    planContainment: presentingItsPlan(deps.store, records.recordCase, plans.planContainment),
    ...actActivities(deps),
    ...notifyActivities(deps),
    ...writeBackActivities(deps),
    ...revertActivities(deps),
  };
}

export type CaseActivities = ReturnType<typeof createCaseActivities>;
