/**
 * Reads of slowly changing objects, shared for a short while by whoever asks: in a storm, the
 * cases of one cluster or one workload read it once, not once each. A read in flight is shared
 * too; a failed read is never kept, so the next caller asks again. A TTL of 0 keeps nothing.
 */
export class RecentReads<T> {
  private readonly kept = new Map<string, { at: number; read: Promise<T> }>();
  private sweptAt = 0;

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  read(key: string, read: () => Promise<T>, stillGood: (value: T) => boolean = () => true): Promise<T> {
    if (this.ttlMs <= 0) return read();
    const now = this.now();
    this.sweep(now);
    const kept = this.kept.get(key);
    if (kept && now - kept.at < this.ttlMs) return kept.read.then((value) => (stillGood(value) ? value : this.readAgain(key, read, now)));
    return this.readAgain(key, read, now);
  }

  /** A read that must be fresh, kept for whoever accepts one within the TTL. */
  readAfresh(key: string, read: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return read();
    const now = this.now();
    this.sweep(now);
    return this.readAgain(key, read, now);
  }

  /** After a write of the object: the next read goes to the API. */
  forget(key: string): void {
    this.kept.delete(key);
  }

  /** After a write that may change several kept reads: every key that starts so is read afresh. */
  forgetStartingWith(prefix: string): void {
    for (const key of this.kept.keys()) if (key.startsWith(prefix)) this.kept.delete(key);
  }

  clear(): void {
    this.kept.clear();
  }

  get size(): number {
    return this.kept.size;
  }

  private readAgain(key: string, read: () => Promise<T>, now: number): Promise<T> {
    const pending = read();
    const entry = { at: now, read: pending };
    this.kept.set(key, entry);
    pending.catch(() => {
      if (this.kept.get(key) === entry) this.kept.delete(key);
    });
    return pending;
  }

  /** Drops expired reads at most once a TTL, so a long storm over many objects holds only the last TTL's worth. */
  private sweep(now: number): void {
    if (now - this.sweptAt < this.ttlMs) return;
    this.sweptAt = now;
    for (const [key, entry] of this.kept) if (now - entry.at >= this.ttlMs) this.kept.delete(key);
  }
}
