import { defaultRequestTimeoutMs } from './call';
import { isIP } from 'node:net';
import { fromHttpStatus, fromUnknown, PermanentCloudError, TransientCloudError, type CloudErrorContext } from './errors';
import { checkName } from './validate';

/**
 * VirusTotal v3 file, IP address and domain reports. "unknown" (404) and "not-configured" (no key) are verdicts of
 * their own and never mean clean; a rate limit (429) is a transient error, retried later.
 */

export type VirusTotalVerdict =
  | { status: 'found'; sha256: string; malicious: number; suspicious: number; undetected: number; harmless: number; names: string[]; threatLabel?: string }
  | { status: 'unknown'; sha256: string }
  | { status: 'not-configured'; sha256: string };

/** An IP address or a domain: a peer the process talked to, or an indicator the finding carries. */
export interface Indicator {
  kind: 'ip' | 'domain';
  value: string;
}

export type IndicatorVerdict =
  | ({ status: 'found'; malicious: number; suspicious: number; undetected: number; harmless: number; owner?: string; country?: string } & Indicator)
  | ({ status: 'unknown' } & Indicator)
  | ({ status: 'not-configured' } & Indicator);

interface ReportAttributes {
  last_analysis_stats?: Record<string, number>;
  names?: string[];
  popular_threat_classification?: { suggested_threat_label?: string };
  as_owner?: string;
  country?: string;
}

const domainName = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i;

/** Only what is an IP address or a domain name reaches a URL path. */
export function isIndicator(indicator: Indicator): boolean {
  return indicator.kind === 'ip' ? isIP(indicator.value) !== 0 : domainName.test(indicator.value);
}

export class VirusTotalAdapter {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly deadlineMs = defaultRequestTimeoutMs,
  ) {}

  /** Whether lookups reach the API at all (without a key every verdict is "not-configured"). */
  get configured(): boolean {
    return Boolean(this.apiKey);
  }

  async lookup(sha256: string): Promise<VirusTotalVerdict> {
    const context: CloudErrorContext = { service: 'virustotal', operation: 'get file report', target: sha256 };
    checkName('sha256', sha256, 'SHA-256', context);
    if (!this.apiKey) return { status: 'not-configured', sha256 };
    const attributes = await this.report(`files/${sha256}`, context);
    if (!attributes) return { status: 'unknown', sha256 };
    const stats = attributes.last_analysis_stats ?? {};
    const label = attributes.popular_threat_classification?.suggested_threat_label;
    return {
      status: 'found',
      sha256,
      malicious: stats.malicious ?? 0,
      suspicious: stats.suspicious ?? 0,
      undetected: stats.undetected ?? 0,
      harmless: stats.harmless ?? 0,
      names: (attributes.names ?? []).slice(0, 20),
      ...(label ? { threatLabel: label } : {}),
    };
  }

  /** The IP address or domain report: what the engines say of a peer or an indicator. */
  async lookupIndicator(indicator: Indicator): Promise<IndicatorVerdict> {
    const context: CloudErrorContext = { service: 'virustotal', operation: `get ${indicator.kind === 'ip' ? 'IP address' : 'domain'} report`, target: indicator.value };
    if (!isIndicator(indicator)) throw new PermanentCloudError(context, 'invalid', `${JSON.stringify(indicator.value)} is not ${indicator.kind === 'ip' ? 'an IP address' : 'a domain name'}`);
    if (!this.apiKey) return { status: 'not-configured', ...indicator };
    const attributes = await this.report(`${indicator.kind === 'ip' ? 'ip_addresses' : 'domains'}/${encodeURIComponent(indicator.value)}`, context);
    if (!attributes) return { status: 'unknown', ...indicator };
    const stats = attributes.last_analysis_stats ?? {};
    return {
      status: 'found',
      ...indicator,
      malicious: stats.malicious ?? 0,
      suspicious: stats.suspicious ?? 0,
      undetected: stats.undetected ?? 0,
      harmless: stats.harmless ?? 0,
      ...(attributes.as_owner ? { owner: attributes.as_owner } : {}),
      ...(attributes.country ? { country: attributes.country } : {}),
    };
  }

  /** One report's attributes; undefined for VirusTotal's 404 (unknown, never clean). */
  private async report(path: string, context: CloudErrorContext): Promise<ReportAttributes | undefined> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/${path}`, {
        headers: { 'x-apikey': this.apiKey!, accept: 'application/json' },
        signal: AbortSignal.timeout(this.deadlineMs),
      });
    } catch (error) {
      throw fromUnknown(error, context);
    }
    if (response.status === 404) return undefined;
    // An answer that is not VirusTotal's JSON is a failure to retry, never an empty (clean-looking) report.
    const text = await response.text().catch((error: unknown) => {
      throw fromUnknown(error, context);
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (response.ok) throw new TransientCloudError(context, String(response.status), `the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
      parsed = {};
    }
    const body = parsed as { data?: { attributes?: ReportAttributes }; error?: { code?: string; message?: string } };
    if (!response.ok) {
      throw fromHttpStatus(response.status, `${body.error?.code ?? 'error'}: ${body.error?.message ?? response.statusText}`, context);
    }
    if (!body.data?.attributes) throw new TransientCloudError(context, String(response.status), 'the answer carries no report (data.attributes)');
    return body.data.attributes;
  }
}
