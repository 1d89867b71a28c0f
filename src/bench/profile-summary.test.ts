import { areaOf, summarize, type CpuProfile } from './profile-summary';

/** A profile of three frames: the root, a pg function and one of the project's, sampled 1, 2 and 3 ms (and 5 ms idle). */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 4] },
    { id: 2, callFrame: { functionName: 'parse', url: 'file:///app/node_modules/pg-protocol/dist/parser.js', lineNumber: 9 } },
    { id: 3, callFrame: { functionName: 'recordCase', url: 'file:///app/dist/activities/record.js', lineNumber: 41 } },
    { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
  ],
  samples: [1, 2, 2, 3, 3, 3, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 5000],
};

test('self time is summed per area and per function, idle left out', () => {
  const summary = summarize([profile, profile]);
  expect(summary.totalMs).toBe(12);
  expect(summary.byArea).toEqual([
    { area: 'project activities/record', ms: 6, share: 50 },
    { area: 'pg-protocol', ms: 4, share: 33.3 },
    { area: '(root)', ms: 2, share: 16.7 },
  ]);
  expect(summary.topFunctions[0]).toMatchObject({ fn: 'recordCase file:///app/dist/activities/record.js:42', ms: 6 });
});

test('a frame’s area is its package, scoped or not, Node, the project, or V8’s own', () => {
  expect(areaOf('file:///w/node_modules/@temporalio/worker/lib/worker.js', 'x')).toBe('@temporalio/worker');
  expect(areaOf('file:///w/node_modules/a/node_modules/b/index.js', 'x')).toBe('b');
  expect(areaOf('node:internal/streams/readable', 'x')).toBe('node');
  expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
  expect(areaOf('', 'fn')).toBe('(native)');
});
