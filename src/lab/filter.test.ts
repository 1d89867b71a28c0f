import { FilterError, matches, parseFilter, valuesAt } from './filter';

const record = { resource: { type: 'k8s_container', labels: { pod_name: 'web-1' } }, timestamp: '2026-11-20T10:00:00Z', severity: 'WARNING', textPayload: 'Connection from 10.0.0.1' };
const target = {
  field: (path: string) => valuesAt(record, path.split('.')),
  text: () => JSON.stringify(record),
  order: (path: string, value: string) => (path === 'timestamp' ? Date.parse(value) : path === 'severity' ? ['INFO', 'WARNING', 'ERROR'].indexOf(value) : undefined),
};
const test_ = (filter: string) => matches(parseFilter(filter), target);

test.each([
  ['resource.type="k8s_container" AND resource.labels.pod_name="web-1"', true],
  ['resource.type="k8s_container" resource.labels.pod_name="web-2"', false],
  ['resource.labels.pod_name="web-2" OR severity>=WARNING', true],
  ['(resource.labels.pod_name="web-2" OR severity>ERROR) AND textPayload:"connection"', false],
  ['NOT resource.labels.pod_name="web-2"', true],
  ['timestamp>="2026-11-20T09:00:00Z" AND timestamp<="2026-11-20T11:00:00Z"', true],
  ['timestamp>"2026-11-20T10:00:00Z"', false],
  ['"10.0.0.1"', true],
  ['web-9', false],
  ['resource.labels.missing!="x"', true],
  ['', true],
])('%s → %s', (filter, expected) => {
  expect(test_(filter)).toBe(expected);
});

test.each(['category="unterminated', 'a = ', '(a="b"', 'a="b")', '= "x"'])('%j is a syntax error', (filter) => {
  expect(() => parseFilter(filter)).toThrow(FilterError);
});
