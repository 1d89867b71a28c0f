import { normalEmail } from './identity';

test('one person has one identity, however the address is spelled', () => {
  const spellings = ['secops@acme.example', 'SECOPS@ACME.EXAMPLE', '  secops@acme.example ', 'secops+oncall@acme.example', 'SecOps+Four-Eyes@Acme.Example', 'ｓｅｃｏｐｓ@acme.example'];
  expect(new Set(spellings.map(normalEmail))).toEqual(new Set(['secops@acme.example']));
});

test('a look-alike letter from another script, or anything that is not an address, is not an identity', () => {
  // Cyrillic а (U+0430) and о (U+043E), Greek ο (U+03BF): each reads as the Latin letter.
  for (const value of ['secops@\u0430cme.example', 'sec\u043Eps@acme.example', 'sec\u03BFps@acme.example', 'secops@acme.example\u200b', 'secops', '@acme.example', 'a b@acme.example', 'secops@acme_example', 42, undefined]) {
    expect([value, normalEmail(value)]).toEqual([value, undefined]);
  }
});
