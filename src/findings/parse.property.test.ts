import fc from 'fast-check';
import { applyMutation, corrupt, corruptionArb, mutate, mutationArb } from '../../test/fixtures/fuzzed-findings';
import { FindingError } from './errors';
import type { Finding } from './model';
import { nameRules } from './names';
import { parseFinding } from './parse';

/**
 * Random mutations of valid findings never crash the parser: each one either parses into a
 * finding whose names all pass the naming rules, or fails with a FindingError naming a field.
 */

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
  fc.assert(
    fc.property(corruptionArb, (corruption) => outcome(corrupt(corruption))),
    { numRuns: 2000 },
  );
});
