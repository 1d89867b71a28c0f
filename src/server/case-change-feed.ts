import type { CaseStore } from '../cases/case-store';

/**
 * One watcher per console process, however many pages follow cases: it reads the change marks
 * the database moves on every write to a case (migration 11), once per interval and only while
 * someone listens, and wakes the listeners of what moved. Browsers hold a stream each and never
 * ask; the store is asked one indexed question per interval.
 */

type Listener = () => void;

export class CaseChangeFeed {
  private readonly cases = new Map<string, { mark: string | undefined; listeners: Set<Listener> }>();
  private readonly anyListeners = new Set<Listener>();
  private latest: string | undefined;
  /** A change to "any case" is announced once more on the next read: a write that took an earlier mark may commit after a later one. */
  private settling = false;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly store: Pick<CaseStore, 'changeMarks' | 'latestChangeMark'>,
    private readonly intervalMs = 1_000,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Wakes `listener` whenever the case changes from now on: the mark is read before this returns, so a change after it is never missed. */
  async watchCase(caseId: string, listener: Listener): Promise<() => void> {
    if (!this.cases.has(caseId)) {
      const mark = (await this.store.changeMarks([caseId])).get(caseId);
      // Another watcher may have started the entry while the mark was read: keep theirs.
      if (!this.cases.has(caseId)) this.cases.set(caseId, { mark, listeners: new Set() });
    }
    const entry = this.cases.get(caseId)!;
    entry.listeners.add(listener);
    this.schedule();
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.cases.get(caseId) === entry) this.cases.delete(caseId);
      this.stopWhenIdle();
    };
  }

  /** Wakes `listener` whenever any case is opened or changes. */
  async watchAll(listener: Listener): Promise<() => void> {
    if (this.anyListeners.size === 0) this.latest = await this.store.latestChangeMark();
    this.anyListeners.add(listener);
    this.schedule();
    return () => {
      this.anyListeners.delete(listener);
      this.stopWhenIdle();
    };
  }

  get listening(): number {
    let count = this.anyListeners.size;
    for (const entry of this.cases.values()) count += entry.listeners.size;
    return count;
  }

  /** Reads the marks once and wakes who must be woken (the timer calls it; tests may too). */
  read(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    try {
      const ids = [...this.cases.keys()];
      const [marks, latest] = await Promise.all([this.store.changeMarks(ids), this.anyListeners.size > 0 ? this.store.latestChangeMark() : Promise.resolve(undefined)]);
      for (const id of ids) {
        const entry = this.cases.get(id);
        const mark = marks.get(id);
        if (!entry || mark === entry.mark) continue;
        entry.mark = mark;
        wake(entry.listeners);
      }
      if (latest !== undefined) {
        const moved = latest !== this.latest;
        this.latest = latest;
        if (moved || this.settling) wake(this.anyListeners);
        this.settling = moved;
      }
    } catch (error) {
      this.onError(error);
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.read(), this.intervalMs);
    this.timer.unref();
  }

  private stopWhenIdle(): void {
    if (this.listening > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.settling = false;
  }
}

function wake(listeners: Set<Listener>): void {
  for (const listener of [...listeners]) listener();
}
