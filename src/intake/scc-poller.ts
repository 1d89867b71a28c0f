import type { SccAdapter } from '../cloud/scc';
import { quoteFilterValue } from '../cloud/validate';
import { decodeTimestamp } from '../findings/wire';
import type { IngestDeps } from './ingest';
import { handleMessage, type MessageOutcome } from './message-intake';

/**
 * For organizations that do not export findings to Pub/Sub: `listFindings` on a filter (state
 * ACTIVE, the chosen categories) from a cursor kept in the case store. Each read starts an
 * overlap before the cursor, because SCC may write a finding with an event time a little in
 * the past; what is read twice is deduplicated by intake (the finding name, then the case's
 * workflow ID).
 */
export interface PollerOptions {
  /** `organizations/O/sources/-` (or a folder, a project, one source). */
  parent: string;
  /** Category names to ask for; every category when empty. */
  categories?: string[];
  /** Where the first read starts, when no cursor is stored yet. */
  startFrom: string;
  overlapMinutes?: number;
  maxPerPoll?: number;
}

export interface PollResult {
  read: number;
  outcomes: MessageOutcome[];
  /** The stored cursor after this poll. */
  cursor: string | undefined;
  /** The read hit `maxPerPoll`: the cursor did not move, so nothing is skipped; the backlog needs a bigger page or a narrower filter. */
  capped: boolean;
}

export class SccPoller {
  private readonly source: string;

  constructor(
    private readonly deps: IngestDeps,
    private readonly scc: SccAdapter,
    private readonly options: PollerOptions,
  ) {
    if (Number.isNaN(Date.parse(options.startFrom))) throw new Error(`startFrom "${options.startFrom}" is not a time`);
    this.source = `poller:${options.parent}`;
  }

  filter(since: string): string {
    const terms = ['state="ACTIVE"', `event_time>=${quoteFilterValue(since)}`];
    const categories = this.options.categories ?? [];
    if (categories.length > 0) terms.push(`(${categories.map((c) => `category=${quoteFilterValue(c)}`).join(' OR ')})`);
    return terms.join(' AND ');
  }

  async pollOnce(): Promise<PollResult> {
    const cursor = (await this.deps.store.pollerCursor(this.source)) ?? this.options.startFrom;
    const since = new Date(Date.parse(cursor) - (this.options.overlapMinutes ?? 10) * 60_000).toISOString();
    const max = this.options.maxPerPoll ?? 5000;
    const results = await this.scc.listFindings(this.options.parent, this.filter(since), max);
    const outcomes: MessageOutcome[] = [];
    let newest: string | undefined;
    for (const result of results) {
      const finding = result.finding as { name?: unknown; eventTime?: unknown };
      const eventTime = decodeTimestamp(finding.eventTime);
      outcomes.push(
        await handleMessage(this.deps, {
          source: this.source,
          messageId: `${String(finding.name).slice(0, 300)}@${eventTime.ok ? eventTime.value : 'unknown'}`,
          data: Buffer.from(JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))),
          attributes: {},
        }),
      );
      if (eventTime.ok && (!newest || eventTime.value > newest)) newest = eventTime.value;
    }
    const capped = results.length >= max;
    if (newest && !capped) await this.deps.store.setPollerCursor(this.source, newest);
    return { read: results.length, outcomes, cursor: await this.deps.store.pollerCursor(this.source), capped };
  }
}

/** Polls every `intervalMs` until stopped; a failed poll is reported and the next one tries again. */
export function pollEvery(poller: SccPoller, intervalMs: number, report: (result: PollResult | Error) => void): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    current = poller.pollOnce().then(report, (error: unknown) => report(error instanceof Error ? error : new Error(String(error)))).finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
