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

test('IP address and domain reports share the quota, the one-request-per-key rule and the cache with file reports', async () => {
  const lookups = new VirusTotalLookups(adapter, store, 600);
  const peer = { kind: 'ip', value: '198.51.100.23' } as const;
  const answers = await Promise.all(Array.from({ length: 50 }, () => lookups.indicator(peer)));
  expect(lookups.lookups).toBe(1);
  expect(answers[0]).toEqual({ status: 'found', kind: 'ip', value: '198.51.100.23', malicious: 14, suspicious: 1, undetected: 40, harmless: 27, owner: 'EXAMPLE-HOSTING-AS', country: 'NL' });
  expect(await lookups.indicator({ kind: 'domain', value: 'pool.bad.example' })).toMatchObject({ status: 'found', malicious: 9 });
  expect(await lookups.indicator({ kind: 'ip', value: '192.0.2.200' })).toEqual({ status: 'unknown', kind: 'ip', value: '192.0.2.200' });
  // A new worker finds them in the case store.
  const elsewhere = new VirusTotalLookups(adapter, store, 600);
  await elsewhere.indicator(peer);
  expect(elsewhere.lookups).toBe(0);
});

test.each([
  ['ip', '198.51.100.23/../../files/x'],
  ['ip', '999.1.1.1'],
  ['domain', 'evil.example/../files'],
  ['domain', 'a b.example'],
  ['domain', '-bad.example'],
])('a %s that is not one (%j) is refused before any request', async (kind, value) => {
  await expect(adapter.lookupIndicator({ kind: kind as 'ip' | 'domain', value })).rejects.toThrow(/is not (an IP address|a domain name)/);
});

describe('several workers, one API key', () => {
  /** Hashes no other test looked up: each one reaches VirusTotal (as "unknown") unless another worker already asked. */
  const fresh = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`.padEnd(64, 'e'));

  test('three workers asking for the same hashes look each one up once, and stay within the quota together', async () => {
    const windowMs = 1_500;
    const perWindow = 2;
    // The store's window has a margin over the one VirusTotal (here, the lab) counts in: a request arrives a moment after it takes its place.
    const workers = Array.from({ length: 3 }, () => new VirusTotalLookups(adapter, store, perWindow, { windowMs: windowMs + 500, pollMs: 50 }));
    const hashes = fresh(6, 'a1');
    const requestsBefore = lab.virusTotalQuota.requests;
    const startedAt = Date.now();
    const answers = await Promise.all(workers.flatMap((worker) => hashes.map((hash) => worker.verdict(hash))));
    expect(answers.every((a) => a.status === 'unknown')).toBe(true);
    expect(lab.virusTotalQuota.requests - requestsBefore).toBe(hashes.length);
    expect(workers.reduce((n, w) => n + w.lookups, 0)).toBe(hashes.length);
    expect(lab.virusTotalQuota.peakPerMinute(windowMs, startedAt)).toBeLessThanOrEqual(perWindow);
  }, 30_000);

  test('a worker that claimed a lookup and died holds it only until its lease runs out; then another does it', async () => {
    const [hash] = fresh(1, 'b2');
    expect(await store.claimVirusTotalLookup(hash!, 'a worker that died', 300)).toBe(true);
    const survivor = new VirusTotalLookups(adapter, store, 600, { pollMs: 50 });
    expect(await survivor.verdict(hash!)).toEqual({ status: 'unknown', sha256: hash });
    expect(survivor.lookups).toBe(1);
  });

  test('the lab refuses what VirusTotal would: one request over the key’s quota is 429 QuotaExceededError, retryable', async () => {
    const quota = lab.virusTotalQuota;
    try {
      // Exactly full: as many as the last minute already carried.
      quota.perMinute = quota.peakPerMinute(60_000, Date.now() - 60_000);
      await expect(adapter.lookup(fresh(1, 'c3')[0]!)).rejects.toMatchObject({ status: '429', retryable: true });
    } finally {
      quota.perMinute = undefined;
    }
  });
});
