import { actions } from '.';
import { responseActions } from '../findings/categories';

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
