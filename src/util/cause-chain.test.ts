import { causeChain, causesOf } from './cause-chain';

test('an error is told with the causes it wraps, outermost first', () => {
  const grpc = new Error('14 UNAVAILABLE: connection refused');
  const wrapped = new Error('Failed to signalWithStart Workflow', { cause: grpc });
  expect(causeChain(wrapped)).toBe('Failed to signalWithStart Workflow: 14 UNAVAILABLE: connection refused');
  expect(causeChain('plain text')).toBe('plain text');
  expect(causeChain(new Error('outer', { cause: { code: 8 } }))).toBe('outer: {"code":8}');
});

test('a cycle of causes is cut short', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  expect(causeChain(b, 4)).toBe('b: a: b: a');
});

test('the causes of an error are listed outermost first, and stop at the first that is not an error', () => {
  const inner = new Error('inner', { cause: 'a string' });
  const outer = new Error('outer', { cause: inner });
  expect(causesOf(outer)).toEqual([outer, inner, 'a string']);
  expect(causesOf(new Error('alone'))).toHaveLength(1);
});
