import { SccPoller } from '../../src/intake/scc-poller';
import { startCaseRig, type CaseRig } from '../case-rig';
import { terminateAllOn, workflowIdsOn } from '../temporal/harness';

/** Polling SCC's listFindings, through the real client against the lab, from a cursor kept in the case store. */

const organization = 'organizations/583920174625';
const gkeCategories = ['Defense Evasion: Launch Code Compiler Tool In Container', 'Execution: Malicious Script Executed', 'Added Binary Executed', 'Execution: Netcat Remote Code Execution In Container'];

let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  // No worker: the cases stay as intake started them, so the test sees exactly what the poller did.
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

function poller(): SccPoller {
  return new SccPoller(
    { client: rig.env.client, store: rig.store, taskQueue: rig.taskQueue, policy: rig.policy, workflowIdPrefix: rig.workflowIdPrefix },
    rig.deps.clients.scc,
    { parent: `${organization}/sources/-`, categories: gkeCategories, startFrom: '2026-11-01T00:00:00Z', overlapMinutes: 10 },
  );
}

const workflowsStarted = async () => [...(await workflowIdsOn(rig.env.client, rig.taskQueue))].sort();

test('reads ACTIVE findings of the chosen categories from its cursor, reads the overlap again without new cases, picks up what SCC adds, keeps what it cannot read', async () => {
  expect(poller().filter('2026-11-20T00:00:00.000Z')).toBe(
    `state="ACTIVE" AND event_time>="2026-11-20T00:00:00.000Z" AND (${gkeCategories.map((c) => `category="${c}"`).join(' OR ')})`,
  );

  const first = await poller().pollOnce();
  // The four active GKE findings and the two Cloud Run ones of the same categories; not the
  // inactive one, nor the Cloud Run categories spelled differently.
  expect(first.outcomes.map((o) => o.outcome)).toEqual(Array(6).fill('ingested'));
  expect(first.cursor).toBe('2026-11-21T09:44:51.910Z');
  const started = await workflowsStarted();
  expect(started.length).toBeGreaterThanOrEqual(3);

  // A restarted poller reads from the stored cursor, less the overlap: only the newest finding again.
  const again = await poller().pollOnce();
  expect(again.read).toBe(1);
  expect(await workflowsStarted()).toEqual(started);

  const template = rig.lab.scc.all().find((f) => String(f.finding.category).endsWith('Netcat Remote Code Execution In Container') && String(f.finding.resourceName).includes('container.googleapis'))!;
  const later = (minutes: number) => new Date(Date.parse(first.cursor!) + minutes * 60_000).toISOString();
  rig.lab.scc.add({ ...template, finding: { ...template.finding, name: String(template.finding.name).replace(/findings\/.*/, 'findings/n3tc4tgke1a2b3c4d5e6f7a8b9c0dfff'), eventTime: later(30) } });
  rig.lab.scc.add({
    ...template,
    finding: { ...template.finding, name: String(template.finding.name).replace(/findings\/.*/, 'findings/h0st1l3p0dn4m3000000000000000001'), eventTime: later(31), sourceProperties: { ...(template.finding.sourceProperties as object), Pod_Name: '$(reboot)' } },
  });
  const third = await poller().pollOnce();
  // The overlap again, the new finding, and the one no finding can be read from.
  expect(third.outcomes.map((o) => o.outcome).sort()).toEqual(['dead-letter', 'ingested', 'ingested']);
  expect(third.cursor).toBe(later(31));
  const letter = (await rig.store.listDeadLetters()).find((l) => l.source === `poller:${organization}/sources/-`)!;
  expect(letter).toMatchObject({ message_id: expect.stringContaining('h0st1l3p0dn4m3000000000000000001@'), reason: expect.stringMatching(/^invalid finding at finding\.sourceProperties\.Pod_Name: /) });
  // The new netcat finding is on the same pod as the first: it joined that case.
  expect(await workflowsStarted()).toEqual(started);
  await terminateAllOn(rig.env.client, rig.taskQueue, 'poller test done');
});
