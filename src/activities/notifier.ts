/**
 * Where notices go. A generic JSON webhook here; richer routing (Slack, signed webhooks, e-mail)
 * plugs in behind the same interface.
 */
export interface Notice {
  event: string;
  recipients: string[];
  text: string;
  caseId?: string;
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
