import { condition, defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Finding } from '../findings/model';
import { searchAttributes } from '../workflows/search-attributes';
import { findingSignal } from '../workflows/shared';
import type { floorActivities } from './floor-activities';

/**
 * The floor the benchmark divides by: a case of the same shape as the real one (signal-with-start
 * per subject, findings joining, seven activities in sequence, a status query, parked waiting for
 * a decision) whose activities do nothing. What the real case costs above it is the product.
 */

const act = proxyActivities<ReturnType<typeof floorActivities>>({ startToCloseTimeout: '1 minute' });

export const floorStatusQuery = defineQuery<{ readyAt?: string; findings: number }>('floor-status');

export async function floorCase(): Promise<void> {
  const findings: string[] = [];
  let readyAt: string | undefined;
  setHandler(findingSignal, (finding: Finding) => {
    if (!findings.includes(finding.name)) findings.push(finding.name);
  });
  setHandler(floorStatusQuery, () => ({ ...(readyAt ? { readyAt } : {}), findings: findings.length }));
  await condition(() => findings.length > 0);
  for (const step of ['review', 'cluster-and-node', 'pod', 'logs', 'capture', 'research', 'plan']) await act.nothing(step);
  readyAt = new Date().toISOString();
  upsertSearchAttributes([{ key: searchAttributes.caseStatus, value: 'awaiting-decision' }]);
  await condition(() => false);
}
