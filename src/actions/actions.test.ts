import { actions } from '.';
import { playbooks, genericPlaybook } from '../findings/categories';
import { actionRegistry, unknownActionsIn } from './registry';
import { parseFindingObject } from '../findings/parse';
import { loadScenario } from '../lab/scenario';

test('every action describes itself: name, description, permissions, parameters, preconditions', () => {
  for (const action of actions.modules) {
    expect(action.description.length).toBeGreaterThan(20);
    expect(action.permissions.length).toBeGreaterThan(0);
    expect(action.preconditions.length).toBeGreaterThan(0);
    expect(typeof action.plan).toBe('function');
    expect(typeof action.apply).toBe('function');
  }
  expect(actions.get('replace-pod').destructive).toBe(true);
  expect(actions.get('shift-traffic-to-previous-revision').destructive).toBe(true);
  expect(actions.get('notify-owner').destructive).toBe(false);
});

test('parameters are checked before an action plans anything', () => {
  expect(() => actions.get('replace-pod').parameters.parse({ namespace: 'x' })).toThrow();
});

test('every action a playbook names has a module, and every module is named by a playbook', () => {
  const named = [...playbooks, genericPlaybook].flatMap((p) => [...p.defaultResponse.gke, ...p.defaultResponse['cloud-run']].flat());
  expect(named.filter((name) => !actions.has(name))).toEqual([]);
  // Actions no default playbook proposes are still offered to policies; the list says which, so a forgotten one shows.
  expect(actions.names.filter((name) => !named.includes(name)).sort()).toEqual(['quarantine-pod', 'restrict-ingress', 'rollback-workload', 'scale-workload-to-zero']);
});

test('the registry refuses two modules of one name, and says what it knows for a name it lacks', () => {
  const [first] = actions.modules;
  expect(() => actionRegistry([first!, first!])).toThrow(`two action modules declare the name "${first!.name}"`);
  expect(() => actions.get('wipe-cluster')).toThrow('no action is named "wipe-cluster"; this worker knows replace-pod,');
  expect(unknownActionsIn({ 'added-binary-executed': { gke: ['notify-owner', ['wipe-cluster', 'replace-pod']] } }, actions)).toEqual(['added-binary-executed gke: wipe-cluster']);
});

test('each action takes its parameters from the finding itself, in a shape its own schema accepts, or says it does not apply', () => {
  const scenario = loadScenario();
  const of = (runtime: string) => parseFindingObject(scenario.findings.find((f) => String(f.finding.resourceName).includes(runtime) && String(f.finding.category).includes('Compiler'))!).finding;
  const owner = { recipients: ['payments-oncall@acme.example'], routedBy: "the finding's contacts", caseId: 'case-000000000001', summary: 'a compiler ran' };
  const applies: Record<string, string[]> = {};
  for (const runtime of ['container.googleapis.com', 'run.googleapis.com']) {
    const finding = of(runtime);
    for (const action of actions.modules) {
      const { name } = action;
      const params = action.parametersFrom({ finding, owner });
      if (params === undefined) continue;
      expect(() => action.parameters.parse(params)).not.toThrow();
      (applies[finding.subject.runtime] ??= []).push(name);
    }
  }
  expect(applies).toEqual({
    gke: ['replace-pod', 'preserve-then-replace-pod', 'quarantine-pod', 'scale-workload-to-zero', 'rollback-workload', 'cordon-node', 'revoke-workload-identity', 'disable-service-account', 'notify-owner'],
    'cloud-run': ['shift-traffic-to-previous-revision', 'delete-revision', 'restrict-ingress', 'disable-service-account', 'notify-owner'],
  });
});
