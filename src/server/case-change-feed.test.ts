import { notificationFor } from '../../test/fixtures/findings';
import { CaseStore } from '../cases/case-store';
import { EmbeddedDatabase } from '../cases/database';
import { parseFinding } from '../findings/parse';
import { CaseChangeFeed } from './case-change-feed';

/** One watcher for many pages: who is woken, when, and that it stops asking when nobody listens. */

let db: EmbeddedDatabase;
let store: CaseStore;
const finding = parseFinding(JSON.stringify(notificationFor('binary', 'gke'))).finding;
const open = (caseId: string) => store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: 'r', subjectKey: `gke/${caseId}`, finding, dryRun: false, openedAt: '2026-11-20T10:00:00Z' });
const note = (caseId: string, key: string) => store.addEvent(caseId, { key, at: '2026-11-20T10:01:00Z', kind: 'note', detail: {} });

beforeAll(async () => {
  db = await EmbeddedDatabase.open();
  store = new CaseStore(db);
  await store.migrate();
  await open('case-feed00000001');
  await open('case-feed00000002');
});

afterAll(async () => {
  await db?.close();
});

test('a case watcher is woken by writes to its case only, once per read however many writes', async () => {
  // A long interval: the test reads by hand, so nothing depends on timing.
  const feed = new CaseChangeFeed(store, 3_600_000);
  const woken: string[] = [];
  const stopOne = await feed.watchCase('case-feed00000001', () => woken.push('one'));
  const stopTwo = await feed.watchCase('case-feed00000002', () => woken.push('two'));
  await feed.read();
  expect(woken).toEqual([]);
  await note('case-feed00000001', 'a');
  await note('case-feed00000001', 'b');
  await feed.read();
  expect(woken).toEqual(['one']);
  await feed.read();
  expect(woken).toEqual(['one']);
  stopOne();
  stopTwo();
  expect(feed.listening).toBe(0);
});

test('an all-cases watcher is woken by a new case, and once more on the next read for a write that committed late', async () => {
  const feed = new CaseChangeFeed(store, 3_600_000);
  let woken = 0;
  const stop = await feed.watchAll(() => (woken += 1));
  await open('case-feed00000003');
  await feed.read();
  expect(woken).toBe(1);
  await feed.read();
  expect(woken).toBe(2);
  await feed.read();
  expect(woken).toBe(2);
  stop();
});

test('a change between the watch and the first read is not missed', async () => {
  const feed = new CaseChangeFeed(store, 3_600_000);
  let woken = 0;
  const stop = await feed.watchCase('case-feed00000002', () => (woken += 1));
  await note('case-feed00000002', 'between');
  await feed.read();
  expect(woken).toBe(1);
  stop();
});
