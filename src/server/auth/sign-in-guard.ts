/**
 * Password guessing costs the guesser, not the server: after a few failures a user or an address
 * must wait before trying again, longer each time, and after many it is locked out for a while.
 * Each guess costs one scrypt on a process that also runs the worker, so hash work is bounded too:
 * a few at once, a short queue, and "busy" beyond it.
 */

export interface SignInLimits {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** Failures (within the window) that lock the key out. */
  lockAfter: number;
  lockMs: number;
  /** The longest wait between two tries before the lock. */
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  concurrentHashes: number;
  queuedHashes: number;
  /** How many users and addresses are remembered; the oldest are forgotten first. */
  maxKeys: number;
  /**
   * An address is allowed this many times the failures of one user before it waits: several
   * people share one (a NAT, or everyone on loopback in the lab), and one person's typos should
   * not hold up the rest, while a guesser spraying many users from it still is.
   */
  addressScale: number;
}

export const defaultSignInLimits: SignInLimits = { freeFailures: 3, lockAfter: 10, lockMs: 15 * 60_000, maxDelayMs: 60_000, windowMs: 15 * 60_000, concurrentHashes: 2, queuedHashes: 32, maxKeys: 10_000, addressScale: 3 };

interface Failures {
  count: number;
  since: number;
  blockedUntil: number;
}

export class SignInGuard {
  private readonly failures = new Map<string, Failures>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limits: SignInLimits = defaultSignInLimits) {}

  /** How many seconds the keys must still wait (0: they may try now). */
  waitSeconds(keys: readonly string[], now = Date.now()): number {
    const until = Math.max(0, ...keys.map((key) => this.current(key, now)?.blockedUntil ?? 0));
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  failed(keys: readonly string[], now = Date.now()): void {
    const { lockMs, maxDelayMs } = this.limits;
    for (const key of keys) {
      const scale = key.startsWith('address:') ? this.limits.addressScale : 1;
      const [freeFailures, lockAfter] = [this.limits.freeFailures * scale, this.limits.lockAfter * scale];
      const entry = this.current(key, now) ?? { count: 0, since: now, blockedUntil: 0 };
      entry.count++;
      if (entry.count >= lockAfter) entry.blockedUntil = now + lockMs;
      else if (entry.count > freeFailures) entry.blockedUntil = now + Math.min(1000 * 2 ** (entry.count - freeFailures - 1), maxDelayMs);
      this.failures.delete(key);
      this.failures.set(key, entry);
    }
    while (this.failures.size > this.limits.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  /** Runs one password hash when a slot is free; 'busy' when too many already wait. */
  async hashing<T>(work: () => Promise<T>): Promise<T | 'busy'> {
    if (this.running < this.limits.concurrentHashes) this.running++;
    else if (this.waiting.length >= this.limits.queuedHashes) return 'busy';
    // A waiter is handed the slot of the hash that finishes: the count never goes over.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private current(key: string, now: number): Failures | undefined {
    const entry = this.failures.get(key);
    if (entry && now - entry.since > this.limits.windowMs && entry.blockedUntil <= now) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }
}
