import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planHash } from '../../src/activities/plan';
import { canonicalJson, legacyCanonicalJson } from '../../src/util/canonical-json';
import type { Plan } from '../../src/workflows/shared';

/**
 * Plans recorded before RFC 8785 still verify: each plan in the recorded histories hashes, by the
 * canonicalization it names (none: the legacy one), to the hash it was approved under, and RFC
 * 8785 writes its body exactly as the legacy function did.
 */

const dir = join(__dirname, 'histories');

/** Each plan a plan's activity answered; since `plan-records-itself` its answer may also say when it presented the plan, which is not the plan. */
function recordedPlans(file: string): (Plan & { presented?: unknown })[] {
  const { events } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { events: { activityTaskCompletedEventAttributes?: { result?: { payloads?: { data?: string }[] } } }[] };
  return events.flatMap((event) =>
    (event.activityTaskCompletedEventAttributes?.result?.payloads ?? []).flatMap((payload) => {
      if (!payload.data) return [];
      const value = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Partial<Plan> | null;
      return value && typeof value === 'object' && typeof value.hash === 'string' && Array.isArray(value.actions) && typeof value.advice === 'string' ? [value as Plan] : [];
    }),
  );
}

test('every plan in every recorded history hashes to the hash it was decided under', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const plans = files.flatMap(recordedPlans);
  expect(plans.length).toBeGreaterThan(files.length);
  for (const { createdAt: _createdAt, hash, presented: _presented, ...body } of plans) {
    expect(planHash(body)).toBe(hash);
    expect(canonicalJson(body)).toBe(legacyCanonicalJson(body));
  }
});
