import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import type { CaseStore } from '../cases/case-store';
import type { Indicator, IndicatorVerdict, VirusTotalAdapter, VirusTotalVerdict } from '../cloud/virustotal';

export interface VirusTotalLookupSettings {
  /** How long a verdict is reused: a found report for a week, an unknown one for a day. */
  ttl?: { foundMs: number; unknownMs: number };
  /** How long a claim on a key outlives its holder's last sign of life before another worker takes the lookup over. */
  leaseMs?: number;
  /** How often a worker waiting on another's lookup looks for its answer. */
  pollMs?: number;
  /**
   * The quota's window. A minute and a second: a request leaves the worker a moment after it
   * takes its place, and VirusTotal counts it when it arrives.
   */
  windowMs?: number;
}

/**
 * VirusTotal lookups shared by every case on every worker that shares the case store: a cache
 * there (so the same binary in 500 pods is one lookup), one lookup per hash, IP address or domain
 * cluster-wide (a lease in the store; within a process, one promise), and the API key's per-minute
 * quota counted in the store, so three workers stay under it together. Waiting heartbeats, so a
 * long wait is not a dead worker.
 */
export class VirusTotalLookups {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly settings: Required<VirusTotalLookupSettings>;
  /** Lookups this process sent to the API (for benchmarks and tests). */
  lookups = 0;

  constructor(
    private readonly adapter: VirusTotalAdapter,
    private readonly store: CaseStore,
    private readonly perMinute: number,
    settings: VirusTotalLookupSettings = {},
  ) {
    this.settings = { ttl: { foundMs: 7 * 24 * 3600_000, unknownMs: 24 * 3600_000 }, leaseMs: 60_000, pollMs: 500, windowMs: 61_000, ...settings };
  }

  async verdict(sha256: string): Promise<VirusTotalVerdict> {
    return this.shared(sha256, () => this.adapter.lookup(sha256));
  }

  /** IP address and domain reports, under the same quota and cache (keyed "ip:…" and "domain:…"). */
  async indicator(indicator: Indicator): Promise<IndicatorVerdict> {
    return this.shared(`${indicator.kind}:${indicator.value}`, () => this.adapter.lookupIndicator(indicator));
  }

  private async shared<T extends { status: string }>(key: string, lookup: () => Promise<T>): Promise<T> {
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.cachedOrFetched(key, lookup).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async cached<T extends { status: string }>(key: string): Promise<T | undefined> {
    const cached = await this.store.cachedVerdict<T>(key);
    const { ttl } = this.settings;
    return cached && cached.ageMs < (cached.verdict.status === 'found' ? ttl.foundMs : ttl.unknownMs) ? cached.verdict : undefined;
  }

  private async cachedOrFetched<T extends { status: string }>(key: string, lookup: () => Promise<T>): Promise<T> {
    // Without a key nothing is sent, so there is no quota to take and nothing to share.
    if (!this.adapter.configured) return lookup();
    for (;;) {
      const cached = await this.cached<T>(key);
      if (cached) return cached;
      if (await this.store.claimVirusTotalLookup(key, this.holder, this.settings.leaseMs)) {
        try {
          // Another worker may have answered between our read and our claim.
          const answer = (await this.cached<T>(key)) ?? (await this.fetch(key, lookup));
          if (answer) return answer;
        } finally {
          await this.store.releaseVirusTotalLookup(key, this.holder);
        }
      }
      heartbeat(`waiting for another worker's VirusTotal lookup of ${key}`);
      await sleep(this.settings.pollMs);
    }
  }

  /** The lookup, once there is room in the quota; undefined when the claim was lost while waiting for it (this process stalled past its lease). */
  private async fetch<T extends { status: string }>(key: string, lookup: () => Promise<T>): Promise<T | undefined> {
    const request = await this.takeRequest(key);
    if (request === undefined) return undefined;
    this.lookups++;
    let verdict: T;
    try {
      verdict = await lookup();
    } finally {
      // Counted from its answer: a request slowed on its way (a busy worker) still keeps its minute.
      await this.store.answeredVirusTotalRequest(request);
    }
    if (verdict.status !== 'not-configured') await this.store.cacheVerdict(key, verdict);
    return verdict;
  }

  /** Room in the quota for one request (its id), or undefined when the claim on the key was lost meanwhile. */
  private async takeRequest(key: string): Promise<string | undefined> {
    for (;;) {
      const taken = await this.store.takeVirusTotalRequest(this.perMinute, this.settings.windowMs);
      if ('request' in taken) return taken.request;
      heartbeat(`waiting ${taken.waitMs} ms for room in the VirusTotal quota (${this.perMinute} a minute, every worker)`);
      await sleep(Math.min(taken.waitMs, 5_000));
      // The claim on the key lives as long as its holder waits; one taken over is left to its new holder.
      if (!(await this.store.claimVirusTotalLookup(key, this.holder, this.settings.leaseMs))) return undefined;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function heartbeat(detail: string): void {
  try {
    Context.current().heartbeat(detail);
  } catch {
    // Outside an activity (tests, benchmarks) there is nobody to tell.
  }
}
