/** Where notices go: the channels in ./channels.ts, behind this interface. */
export interface Notice {
  event: string;
  recipients: string[];
  text: string;
  caseId?: string;
  /** A campaign's notice: it speaks for the campaign's cases, whose own notices were folded into it. */
  campaignId?: string;
  /** Case and event: the same notice delivered twice has the same ID. */
  id?: string;
  subject?: string;
  /** Where the recipients came from: the finding's contacts, an annotation, the default route. */
  routedBy?: string;
  consoleUrl?: string;
  /** The CLI command that acts on it. */
  command?: string;
  /** The plan a decision would name, while the case waits for one. */
  planHash?: string;
  /** Who decided, once someone has. */
  decidedBy?: string[];
}

export interface Notifier {
  readonly configured: boolean;
  /** True when sent; false when there is no route. Throws on a failed delivery (so it retries). */
  send(notice: Notice): Promise<boolean>;
}
