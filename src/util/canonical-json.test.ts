import { canonicalJson, canonicalJsonFor, legacyCanonicalJson } from './canonical-json';

/** RFC 8785's own vectors: its number table (Appendix B), its example (3.2.2) and its key order (3.2.3). */

const ieee = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

test.each([
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
])('the number with IEEE 754 bits %s is written %s', (hex, text) => {
  expect(canonicalJson(ieee(hex))).toBe(text);
});

test('the example of section 3.2.2: whitespace gone, numbers and strings written the one way', () => {
  const input = JSON.parse('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}');
  expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
});

test('the key order of section 3.2.3: by UTF-16 code units, a surrogate pair before U+FB33', () => {
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  expect(canonicalJson(input)).toBe('{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}');
});

test('a value is read as JSON.stringify reads it, and what JSON cannot hold is refused', () => {
  expect(canonicalJson({ at: new Date('2026-12-02T10:00:00Z'), gone: undefined, list: [1, undefined, () => 1] })).toBe('{"at":"2026-12-02T10:00:00.000Z","list":[1,null,null]}');
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 10n, '\ud800 alone', undefined]) expect(() => canonicalJson(bad)).toThrow(TypeError);
  expect(() => canonicalJson({ nested: [{ x: Number.NEGATIVE_INFINITY }] })).toThrow('-Infinity at x is not a JSON number');
});

test('for every value that came from JSON the legacy text is the same, so what it hashed still verifies', () => {
  const fromJson = JSON.parse(JSON.stringify({ b: [1, 2.5, { z: null, a: 'é\n' }], a: true, '\ud83d\ude00': 'x', n: -0, big: 1e21 })) as unknown;
  expect(legacyCanonicalJson(fromJson)).toBe(canonicalJson(fromJson));
  expect(canonicalJsonFor(undefined)).toBe(legacyCanonicalJson);
  expect(canonicalJsonFor('rfc8785')).toBe(canonicalJson);
  // Where they part: the legacy one wrote a Date as {} and an undefined element as nothing, which is not JSON.
  expect(legacyCanonicalJson([new Date(0), undefined])).toBe('[{},]');
});
