import type { Subject } from '../findings/model';
import { collectionOrder } from './collection-order';

const gke: Subject = { runtime: 'gke', projectId: 'p', location: 'us-central1', cluster: 'c', namespace: 'n', pod: 'pod-1', container: 'app' } as Subject;
const run: Subject = { runtime: 'cloud-run', projectId: 'p', region: 'europe-west1', service: 's', revision: 's-00001-abc' } as Subject;

test('GKE evidence is collected from the running process outwards, each source with what ends it and, for logs and findings, a deadline', () => {
  const order = collectionOrder(gke, '2026-11-20T15:10:04.300Z');
  expect(order.map((s) => s.step)).toEqual(['capture', 'pod', 'cluster-and-node', 'logs', 'review', 'research']);
  expect(order[0]).toEqual({ order: 1, source: 'running process and files', step: 'capture', lostWhen: 'the container stops, restarts or is replaced' });
  expect(order.find((s) => s.step === 'logs')!.deadline).toBe('2026-12-20T15:10:04.300Z');
  expect(order.find((s) => s.step === 'review')!.deadline).toBe('2027-12-20T15:10:04.300Z');
});

test('Cloud Run starts with the revision configuration, which a redeploy or delete takes away', () => {
  expect(collectionOrder(run, '2026-11-20T15:10:04.300Z', { defaultBucket: 7, requiredBucket: 400, findings: 30 }).map((s) => [s.step, s.deadline])).toEqual([
    ['cloud-run', undefined],
    ['logs', '2026-11-27T15:10:04.300Z'],
    ['review', '2026-12-20T15:10:04.300Z'],
    ['research', undefined],
  ]);
});

test('an unreadable event time leaves deadlines out instead of inventing them', () => {
  expect(collectionOrder(gke, 'not a time').every((s) => s.deadline === undefined)).toBe(true);
});
