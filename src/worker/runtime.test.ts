import { loadConfig } from '../config/config';
import type { CaseStore } from '../cases/case-store';
import type { CloudClients } from '../cloud';
import { buildActivityDeps } from './runtime';

test('a worker whose policy names an action it does not have refuses to start, naming the step and what it has', () => {
  const config = loadConfig({ SCC_DATA_DIR: '/nonexistent/scc-responder' }, { policy: { responses: { 'added-binary-executed': { gke: ['notify-owner', ['wipe-cluster', 'replace-pod']] } } } });
  expect(() => buildActivityDeps(config, {} as CaseStore, {} as CloudClients)).toThrow(
    'policy.responses names actions this worker does not have (added-binary-executed gke: wipe-cluster); it has replace-pod, preserve-then-replace-pod,',
  );
});

test('an action name that is not lower-case words is refused when the configuration loads', () => {
  expect(() => loadConfig({ SCC_DATA_DIR: '/nonexistent/scc-responder' }, { policy: { responses: { 'added-binary-executed': { gke: ['Replace Pod; rm -rf /'] } } } })).toThrow(/an action name: lower-case words joined by hyphens/);
});

test('the steps a policy adds for flagged code are checked the same way, and a key the response does not know is refused', () => {
  const config = loadConfig({ SCC_DATA_DIR: '/nonexistent/scc-responder' }, { policy: { responses: { 'added-binary-executed': { whenFlagged: { 'cloud-run': ['burn-project'] } } } } });
  expect(() => buildActivityDeps(config, {} as CaseStore, {} as CloudClients)).toThrow('(added-binary-executed whenFlagged cloud-run: burn-project)');
  expect(() => loadConfig({ SCC_DATA_DIR: '/nonexistent/scc-responder' }, { policy: { responses: { 'added-binary-executed': { whenFlaged: { gke: [] } } } } })).toThrow(/whenFlaged/);
});
