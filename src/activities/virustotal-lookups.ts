import { Context } from '@temporalio/activity';
import type { CaseStore } from '../cases/case-store';
import type { Indicator, IndicatorVerdict, VirusTotalAdapter, VirusTotalVerdict } from '../cloud/virustotal';

/**
 * VirusTotal lookups shared by every case: a cache in the case store (so the same binary in 500
 * pods is one lookup), one request in flight per hash, IP address or domain, and a token bucket that keeps the worker
 * under the API's quota. Waiting for a token heartbeats, so a long wait is not a dead worker.
 */
export class VirusTotalLookups {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private tokens: number;
  private refilledAt = Date.now();
  /** Lookups that reached the API (for benchmarks and tests). */
  lookups = 0;

  constructor(
    private readonly adapter: VirusTotalAdapter,
    private readonly store: CaseStore,
    private readonly perMinute: number,
    private readonly ttl = { foundMs: 7 * 24 * 3600_000, unknownMs: 24 * 3600_000 },
  ) {
    this.tokens = perMinute;
  }

  async verdict(sha256: string): Promise<VirusTotalVerdict> {
    return this.cachedOrFetched(sha256, () => this.adapter.lookup(sha256));
  }

  /** IP address and domain reports, under the same quota and cache (keyed "ip:…" and "domain:…"). */
  async indicator(indicator: Indicator): Promise<IndicatorVerdict> {
    return this.cachedOrFetched(`${indicator.kind}:${indicator.value}`, () => this.adapter.lookupIndicator(indicator));
  }

  private async cachedOrFetched<T extends { status: string }>(key: string, lookup: () => Promise<T>): Promise<T> {
    const cached = await this.store.cachedVerdict<T>(key);
    if (cached && cached.ageMs < (cached.verdict.status === 'found' ? this.ttl.foundMs : this.ttl.unknownMs)) return cached.verdict;
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.fetch(key, lookup).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetch<T extends { status: string }>(key: string, lookup: () => Promise<T>): Promise<T> {
    await this.takeToken();
    this.lookups++;
    const verdict = await lookup();
    if (verdict.status !== 'not-configured') await this.store.cacheVerdict(key, verdict);
    return verdict;
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.refilledAt) / 60_000) * this.perMinute);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) / this.perMinute) * 60_000);
      heartbeat(`waiting ${waitMs} ms for a VirusTotal quota token`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 10_000)));
    }
  }
}

function heartbeat(detail: string): void {
  try {
    Context.current().heartbeat(detail);
  } catch {
    // Outside an activity (tests, benchmarks) there is nobody to tell.
  }
}
