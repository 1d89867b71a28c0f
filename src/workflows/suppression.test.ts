import { notificationFor } from '../../test/fixtures/findings';
import { parseFindingObject } from '../findings/parse';
import { matches, suppressionFor, type SuppressionRule } from './suppression';

const compiler = parseFindingObject(notificationFor('compiler', 'gke')).finding;
const netcat = parseFindingObject(notificationFor('netcat', 'cloud-run')).finding;
const rule = (fields: Omit<SuppressionRule, 'id' | 'reason'>): SuppressionRule => ({ id: 'r', reason: 'expected', ...fields });

test('a rule matches when everything it names matches: namespace and binary path', () => {
  expect(matches(rule({ namespaces: ['orders'], binaries: ['/usr/bin/gcc'] }), compiler)).toBe(true);
  expect(matches(rule({ namespaces: ['payments'], binaries: ['/usr/bin/gcc'] }), compiler)).toBe(false);
  expect(matches(rule({ namespaces: ['orders'], binaries: ['/usr/bin/cc'] }), compiler)).toBe(false);
});

test('binaries match by path or by hash, and every reported file must be expected', () => {
  expect(matches(rule({ sha256s: ['a'.repeat(64)] }), compiler)).toBe(true);
  expect(matches(rule({ projects: ['shop-web-2231'], binaries: ['/usr/bin/gcc'] }), netcat)).toBe(false);
});

test('images match exactly, by repository prefix, or by digest', () => {
  expect(matches(rule({ images: ['europe-docker.pkg.dev/shop-prod-4417/apps/orders-api:3.2.0'] }), compiler)).toBe(true);
  expect(matches(rule({ images: ['europe-docker.pkg.dev/shop-prod-4417/apps/'] }), compiler)).toBe(true);
  expect(matches(rule({ images: ['europe-docker.pkg.dev/shop-prod-4417/apps/orders'] }), compiler)).toBe(false);
  expect(matches(rule({ images: [`sha256:${'ab'.repeat(32)}`], services: ['web-frontend'] }), netcat)).toBe(true);
});

test('a rule that names nothing matches nothing, and the first matching rule wins', () => {
  expect(matches(rule({}), compiler)).toBe(false);
  const rules = [rule({ namespaces: ['payments'] }), { ...rule({ projects: ['902341775610'] }), id: 'by-number' }, { ...rule({ projects: ['shop-prod-4417'] }), id: 'later' }];
  expect(suppressionFor(compiler, rules)?.id).toBe('by-number');
});
