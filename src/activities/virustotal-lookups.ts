import { Context } from '@temporalio/activity';
import type { CaseStore } from '../cases/case-store';
import type { VirusTotalAdapter, VirusTotalVerdict } from '../cloud/virustotal';

/**
 * VirusTotal lookups shared by every case: a cache in the case store (so the same binary in 500
 * pods is one lookup), one request in flight per hash, and a token bucket that keeps the worker
 * under the API's quota. Waiting for a token heartbeats, so a long wait is not a dead worker.
 */
export class VirusTotalLookups {
  private readonly inFlight = new Map<string, Promise<VirusTotalVerdict>>();
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
    const cached = await this.store.cachedVerdict<VirusTotalVerdict>(sha256);
    if (cached && cached.ageMs < (cached.verdict.status === 'found' ? this.ttl.foundMs : this.ttl.unknownMs)) return cached.verdict;
    let pending = this.inFlight.get(sha256);
    if (!pending) {
      pending = this.fetch(sha256).finally(() => this.inFlight.delete(sha256));
      this.inFlight.set(sha256, pending);
    }
    return pending;
  }

  private async fetch(sha256: string): Promise<VirusTotalVerdict> {
    await this.takeToken();
    this.lookups++;
    const verdict = await this.adapter.lookup(sha256);
    if (verdict.status !== 'not-configured') await this.store.cacheVerdict(sha256, verdict);
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
