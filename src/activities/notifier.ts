/**
 * Where notices go. The plain JSON webhook is here; Slack, the signed webhook and e-mail are
 * channels in src/notify/channels.ts behind the same interface.
 */
export interface Notice {
  event: string;
  recipients: string[];
  text: string;
  caseId?: string;
  /** Case and event: the same notice delivered twice has the same ID. */
  id?: string;
  subject?: string;
  /** Where the recipients came from: the finding's contacts, an annotation, the default route. */
  routedBy?: string;
  consoleUrl?: string;
  /** The CLI command that acts on it. */
  command?: string;
}

export interface Notifier {
  readonly configured: boolean;
  /** True when sent; false when there is no route. Throws on a failed delivery (so it retries). */
  send(notice: Notice): Promise<boolean>;
}

export class WebhookNotifier implements Notifier {
  readonly configured: boolean;

  constructor(private readonly url: string | undefined, private readonly fetchImpl: typeof fetch = fetch) {
    this.configured = Boolean(url);
  }

  async send(notice: Notice): Promise<boolean> {
    if (!this.url) return false;
    const response = await this.fetchImpl(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notice),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`notification webhook answered ${response.status}`);
    return true;
  }
}
