import { Faults } from './faults';

const target = { api: 'kubernetes' as const, operation: 'get pods', text: '/k8s/p/l/c/api/v1/namespaces/n/pods/x' };

test('latency with a spread: every request between the floor and the floor plus the spread, spread across it, the same every run', () => {
  const draws = (faults: Faults) => Array.from({ length: 400 }, () => faults.decide(target).latencyMs);
  const rule = { api: '*' as const, latencyMs: 50, latencyJitterMs: 150, transientRate: 0 };
  const first = draws(new Faults([rule]));
  expect(Math.min(...first)).toBeGreaterThanOrEqual(50);
  expect(Math.max(...first)).toBeLessThanOrEqual(200);
  expect(first.filter((ms) => ms < 90).length).toBeGreaterThan(40);
  expect(first.filter((ms) => ms > 160).length).toBeGreaterThan(40);
  expect(draws(new Faults([rule]))).toEqual(first);
  // Without a spread, the fixed delay, as before.
  expect(new Set(draws(new Faults([{ api: 'kubernetes', latencyMs: 30, transientRate: 0 }])))).toEqual(new Set([30]));
});
