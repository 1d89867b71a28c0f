import { actions } from '.';
import { responseActions } from '../findings/categories';
import { parseFindingObject } from '../findings/parse';
import { loadScenario } from '../lab/scenario';

test('every action describes itself: name, description, permissions, parameters, preconditions', () => {
  for (const [name, action] of Object.entries(actions)) {
    expect(action.name).toBe(name);
    expect(action.description.length).toBeGreaterThan(20);
    expect(action.permissions.length).toBeGreaterThan(0);
    expect(action.preconditions.length).toBeGreaterThan(0);
    expect(typeof action.plan).toBe('function');
    expect(typeof action.apply).toBe('function');
  }
  expect(actions['replace-pod'].destructive).toBe(true);
  expect(actions['shift-traffic-to-previous-revision'].destructive).toBe(true);
  expect(actions['notify-owner'].destructive).toBe(false);
});

test('parameters are checked before an action plans anything', () => {
  expect(() => actions['replace-pod'].parameters.parse({ namespace: 'x' })).toThrow();
});

test('the registry holds exactly the actions the playbooks can name', () => {
  expect(Object.keys(actions).sort()).toEqual([...responseActions].sort());
});

test('each action takes its parameters from the finding itself, in a shape its own schema accepts, or says it does not apply', () => {
  const scenario = loadScenario();
  const of = (runtime: string) => parseFindingObject(scenario.findings.find((f) => String(f.finding.resourceName).includes(runtime) && String(f.finding.category).includes('Compiler'))!).finding;
  const owner = { recipients: ['payments-oncall@acme.example'], routedBy: "the finding's contacts", caseId: 'case-000000000001', summary: 'a compiler ran' };
  const applies: Record<string, string[]> = {};
  for (const runtime of ['container.googleapis.com', 'run.googleapis.com']) {
    const finding = of(runtime);
    for (const [name, action] of Object.entries(actions)) {
      const params = action.parametersFrom({ finding, owner });
      if (params === undefined) continue;
      expect(() => action.parameters.parse(params)).not.toThrow();
      (applies[finding.subject.runtime] ??= []).push(name);
    }
  }
  expect(applies).toEqual({
    gke: ['replace-pod', 'preserve-then-replace-pod', 'quarantine-pod', 'scale-workload-to-zero', 'cordon-node', 'notify-owner'],
    'cloud-run': ['shift-traffic-to-previous-revision', 'delete-revision', 'restrict-ingress', 'notify-owner'],
  });
});
