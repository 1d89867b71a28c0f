import { PermanentCloudError, TransientCloudError, fromGoogleError, fromHttpStatus, fromUnknown } from './errors';

const context = { service: 'scc' as const, operation: 'list findings', target: 'organizations/1/sources/-' };

test.each([
  [{ code: 14, message: '14 UNAVAILABLE: down' }, TransientCloudError, 'UNAVAILABLE'],
  [{ code: 8, message: '8 RESOURCE_EXHAUSTED: quota' }, TransientCloudError, 'RESOURCE_EXHAUSTED'],
  [{ code: 4, message: 'deadline' }, TransientCloudError, 'DEADLINE_EXCEEDED'],
  [{ code: 5, message: 'not found' }, PermanentCloudError, 'NOT_FOUND'],
  [{ code: 7, message: 'denied' }, PermanentCloudError, 'PERMISSION_DENIED'],
  [{ code: 3, message: 'bad filter' }, PermanentCloudError, 'INVALID_ARGUMENT'],
  [{ code: 429, status: 429, message: '{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}' }, TransientCloudError, 'RESOURCE_EXHAUSTED'],
  [{ code: 503, status: 503, message: 'upstream' }, TransientCloudError, '503'],
  [{ code: 403, status: 403, message: '{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}' }, PermanentCloudError, 'PERMISSION_DENIED'],
])('gax error %j', (shape, Class, status) => {
  const error = fromGoogleError(Object.assign(new Error(shape.message), shape), context);
  expect(error).toBeInstanceOf(Class);
  expect(error.status).toBe(status);
  expect(error.message).toMatch(/^scc list findings organizations\/1\/sources\/-: /);
});

test('the JSON body of a REST error becomes a readable message', () => {
  const error = fromGoogleError(Object.assign(new Error('{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}'), { code: 403, status: 403 }), context);
  expect(error.message).toBe('scc list findings organizations/1/sources/-: The caller does not have permission');
});

test.each([
  [429, true],
  [503, true],
  [500, true],
  [404, false],
  [403, false],
  [409, false],
  [422, false],
])('HTTP %d retryable: %s', (status, retryable) => {
  expect(fromHttpStatus(status, 'x', { ...context, service: 'kubernetes' }).retryable).toBe(retryable);
});

test('network failures and the unrecognised get a bounded retry', () => {
  expect(fromUnknown(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), context)).toBeInstanceOf(TransientCloudError);
  expect(fromGoogleError('weird', context)).toBeInstanceOf(TransientCloudError);
});
