import { canonicalize, camelKey, decodeEnum, decodeInt64, decodeTimestamp } from './wire';

describe('timestamps', () => {
  test.each([
    ['2026-11-19T08:15:30Z', '2026-11-19T08:15:30.000Z'],
    ['2026-11-19T08:15:30.123456789Z', '2026-11-19T08:15:30.123Z'],
    ['2026-11-19T10:15:30+02:00', '2026-11-19T08:15:30.000Z'],
  ])('RFC 3339 %s', (text, iso) => {
    expect(decodeTimestamp(text)).toEqual({ ok: true, value: iso });
  });

  test.each([
    [{ seconds: '1795076130', nanos: 250_000_000 }, '2026-11-19T08:15:30.250Z'],
    [{ seconds: 1795076130 }, '2026-11-19T08:15:30.000Z'],
    [{ seconds: { low: 1795076130, high: 0, unsigned: false }, nanos: 0 }, '2026-11-19T08:15:30.000Z'],
  ])('Timestamp object %j', (input, iso) => {
    expect(decodeTimestamp(input)).toEqual({ ok: true, value: iso });
  });

  test.each(['2026-11-19', '2026-02-30T00:00:00Z x', 'soon', { nanos: 5 }, { seconds: 1, nanos: 1e9 }, 12])('%j is refused', (input) => {
    expect(decodeTimestamp(input).ok).toBe(false);
  });
});

describe('int64', () => {
  test.each([
    [42, 42],
    ['42', 42],
    ['-7', -7],
    [{ low: 5, high: 1, unsigned: false }, 2 ** 32 + 5],
    [{ low: -1, high: 0, unsigned: true }, 2 ** 32 - 1],
  ])('%j reads as %d', (input, value) => {
    expect(decodeInt64(input)).toEqual({ ok: true, value });
  });

  test.each([1.5, '1.5', '0x10', '', '12345678901234567890', Number.MAX_SAFE_INTEGER + 2, null])('%j is refused', (input) => {
    expect(decodeInt64(input).ok).toBe(false);
  });
});

test('enums read by name or by number', () => {
  const names = ['UNSPECIFIED', 'A', 'B'] as const;
  expect(decodeEnum('B', names)).toEqual({ ok: true, value: 'B' });
  expect(decodeEnum(1, names)).toEqual({ ok: true, value: 'A' });
  expect(decodeEnum(3, names).ok).toBe(false);
  expect(decodeEnum('b', names).ok).toBe(false);
});

describe('canonical form', () => {
  test('snake_case fields become camelCase; data keys stay as sent', () => {
    const { value } = canonicalize({
      finding: {
        resource_name: 'r',
        source_properties: { Pod_Name: 'p', nested_key: { inner_key: 1 } },
        contacts: { security_team: { contacts: [{ email: 'a@b.example' }] } },
      },
    });
    expect(value).toEqual({
      finding: {
        resourceName: 'r',
        sourceProperties: { Pod_Name: 'p', nested_key: { inner_key: 1 } },
        contacts: { security_team: { contacts: [{ email: 'a@b.example' }] } },
      },
    });
  });

  test('google.protobuf.Value structs in sourceProperties become plain JSON', () => {
    const { value } = canonicalize({
      sourceProperties: {
        a: { stringValue: 'x' },
        b: { kind: 'numberValue', numberValue: 3 },
        c: { boolValue: true },
        d: { nullValue: 'NULL_VALUE' },
        e: { structValue: { fields: { f: { stringValue: 'g' } } } },
        h: { listValue: { values: [{ stringValue: 'i' }, { numberValue: 2 }] } },
      },
    });
    expect(value).toEqual({ sourceProperties: { a: 'x', b: 3, c: true, d: null, e: { f: 'g' }, h: ['i', 2] } });
  });

  test('null message fields count as unset', () => {
    expect(canonicalize({ finding: { severity: null, name: 'n' } }).value).toEqual({ finding: { name: 'n' } });
  });

  test('errors are spelled as the sender spelled the path', () => {
    const canonical = canonicalize({ finding: { source_properties: { Pod_Name: 1 }, processes: [{ parent_pid: 'x' }] } });
    expect(canonical.spell(['finding', 'sourceProperties', 'Pod_Name'])).toBe('finding.source_properties.Pod_Name');
    expect(canonical.spell(['finding', 'processes', 0, 'parentPid'])).toBe('finding.processes[0].parent_pid');
  });

  test('camelKey leaves camelCase alone', () => {
    expect(camelKey('projectDisplayName')).toBe('projectDisplayName');
    expect(camelKey('project_display_name')).toBe('projectDisplayName');
  });
});
