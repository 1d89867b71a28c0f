import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { CaseStore } from '../cases/case-store';
import { mayView, type Authenticator, type Identity } from './auth/identity';
import { CaseChangeFeed } from './case-change-feed';

/**
 * Server-sent events for the console: a page opens one stream and is sent the case (or the
 * list) at once and again whenever it changes. Each stream is bounded: it lives a limited time
 * (the browser reconnects by itself, and is authenticated again), re-checks who is listening
 * before each send (a session ended or an assertion expired ends the stream), and there are only
 * so many per process and per person.
 */

export interface StreamSettings {
  /** How often the change marks are read while anyone listens. */
  intervalMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** A stream ends after this long; the browser opens the next one. Keep it under the load balancer's timeout. */
  maxStreamMs?: number;
  maxStreams?: number;
  maxStreamsPerViewer?: number;
}

export type Followed = { kind: 'case'; caseId: string } | { kind: 'all' };

/** What to send now: an event name and its JSON body. */
export type Snapshot = () => Promise<{ event: string; data: unknown }>;

export class CaseStreams {
  private readonly feed: CaseChangeFeed;
  private readonly settings: Required<StreamSettings>;
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(store: Pick<CaseStore, 'changeMarks' | 'latestChangeMark'>, settings: StreamSettings = {}) {
    this.settings = { intervalMs: 1_000, heartbeatMs: 15_000, maxStreamMs: 300_000, maxStreams: 200, maxStreamsPerViewer: 20, ...settings };
    this.feed = new CaseChangeFeed(store, this.settings.intervalMs);
  }

  /** Open streams, per viewer: what an operator reads when streams are refused. */
  get openStreams(): number {
    return this.total;
  }

  follow(c: Context, followed: Followed, identity: Identity, authenticator: Authenticator, viewers: string[] | undefined, snapshot: Snapshot): Response {
    const mine = this.open.get(identity.email) ?? 0;
    if (this.total >= this.settings.maxStreams) return c.json({ error: `this server already holds ${this.total} live streams: try again shortly` }, 503, { 'retry-after': '10' });
    if (mine >= this.settings.maxStreamsPerViewer) return c.json({ error: `${identity.email} already holds ${mine} live streams: close a page first` }, 429, { 'retry-after': '10' });
    this.total += 1;
    this.open.set(identity.email, mine + 1);
    const release = () => {
      this.total -= 1;
      const left = (this.open.get(identity.email) ?? 1) - 1;
      if (left > 0) this.open.set(identity.email, left);
      else this.open.delete(identity.email);
    };
    // The request's own credentials, read again before every send: the stream is worth no more than they are.
    const headers = new Map([...c.req.raw.headers.entries()]);
    const stillThem = async (): Promise<string | undefined> => {
      const outcome = await authenticator.identify({ get: (name) => headers.get(name.toLowerCase()) });
      if ('status' in outcome) return outcome.reason;
      if (outcome.identity.email !== identity.email || !mayView(viewers, outcome.identity.email)) return `${identity.email} may no longer view cases`;
      return undefined;
    };

    return streamSSE(c, async (stream) => {
      try {
        await this.run(stream, followed, stillThem, snapshot);
      } catch (error) {
        // The page is told, and reconnects; the stream does not go on after a failed read.
        await stream.writeSSE({ event: 'failed', data: JSON.stringify({ error: (error instanceof Error ? error.message : String(error)).slice(0, 300) }) }).catch(() => undefined);
      } finally {
        release();
      }
    });
  }

  private async run(stream: SSEStreamingApi, followed: Followed, stillThem: () => Promise<string | undefined>, snapshot: Snapshot): Promise<void> {
    let changed = true;
    let wakeUp: (() => void) | undefined;
    const wake = () => {
      changed = true;
      wakeUp?.();
    };
    stream.onAbort(wake);
    const unwatch = followed.kind === 'case' ? await this.feed.watchCase(followed.caseId, wake) : await this.feed.watchAll(wake);
    const endsAt = Date.now() + this.settings.maxStreamMs;
    let sent: string | undefined;
    let id = 0;
    const signedOut = async () => {
      const refused = await stillThem();
      if (refused) await stream.writeSSE({ event: 'signed-out', data: JSON.stringify({ error: refused }) });
      return refused !== undefined;
    };
    try {
      await stream.write(`retry: 2000\n\n`);
      while (!stream.aborted && !stream.closed && Date.now() < endsAt) {
        if (changed) {
          changed = false;
          if (await signedOut()) return;
          const { event, data } = await snapshot();
          const body = JSON.stringify(data);
          if (body !== sent) {
            sent = body;
            id += 1;
            await stream.writeSSE({ event, data: body, id: String(id) });
          }
          if (event === 'gone') return;
        }
        const slept = await new Promise<'woken' | 'idle'>((resolve) => {
          const timer = setTimeout(() => resolve('idle'), Math.max(0, Math.min(this.settings.heartbeatMs, endsAt - Date.now())));
          wakeUp = () => {
            clearTimeout(timer);
            resolve('woken');
          };
          if (changed || stream.aborted) wakeUp();
        });
        wakeUp = undefined;
        if (slept === 'idle' && !stream.aborted) {
          // A quiet case does not keep a signed-out viewer listening: the heartbeat checks too.
          if (await signedOut()) return;
          await stream.write(': still here\n\n');
        }
      }
    } finally {
      unwatch();
    }
  }
}
