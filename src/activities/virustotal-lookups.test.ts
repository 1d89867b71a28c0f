import { startTestLab } from '../../test/lab-harness';
import { CaseStore } from '../cases/case-store';
import { EmbeddedDatabase } from '../cases/database';
import { virusTotalBaseUrl } from '../cloud/config';
import { VirusTotalAdapter } from '../cloud/virustotal';
import { loadScenario } from '../lab/scenario';
import type { Lab } from '../lab/server';
import { VirusTotalLookups } from './virustotal-lookups';

let lab: Lab;
let store: CaseStore;
let adapter: VirusTotalAdapter;
/** A hash the default scenario has a verdict for. */
const known = Object.keys(loadScenario().virustotal)[0]!;

beforeAll(async () => {
  const started = await startTestLab();
  lab = started.lab;
  store = new CaseStore(await EmbeddedDatabase.open());
  await store.migrate();
  adapter = new VirusTotalAdapter(virusTotalBaseUrl(started.target), lab.virusTotalKey);
});

afterAll(async () => {
  await store?.db.close();
  await lab?.stop();
});

test('the same binary in 500 pods is one lookup: requests in flight are shared, answers cached across cases', async () => {
  const lookups = new VirusTotalLookups(adapter, store, 600);
  const before = lab.calls.virustotal;
  const verdicts = await Promise.all(Array.from({ length: 500 }, () => lookups.verdict(known)));
  expect(new Set(verdicts.map((v) => v.status))).toEqual(new Set(['found']));
  expect(lab.calls.virustotal - before).toBe(1);

  // Another worker (a fresh in-memory dedup) still finds the answer in the shared store.
  const elsewhere = new VirusTotalLookups(adapter, store, 600);
  await elsewhere.verdict(known);
  expect(lab.calls.virustotal - before).toBe(1);
  expect(lookups.lookups + elsewhere.lookups).toBe(1);
});

test('unknown is cached as unknown, never as clean; no key means not configured and no request', async () => {
  const lookups = new VirusTotalLookups(adapter, store, 600);
  expect(await lookups.verdict('9'.repeat(64))).toEqual({ status: 'unknown', sha256: '9'.repeat(64) });
  const before = lab.calls.virustotal;
  expect(await lookups.verdict('9'.repeat(64))).toEqual({ status: 'unknown', sha256: '9'.repeat(64) });
  expect(lab.calls.virustotal).toBe(before);
  const unconfigured = new VirusTotalLookups(new VirusTotalAdapter('http://127.0.0.1:9', undefined), store, 600);
  expect(await unconfigured.verdict('8'.repeat(64))).toEqual({ status: 'not-configured', sha256: '8'.repeat(64) });
});
