import { defaultRequestTimeoutMs } from './call';
import { fromHttpStatus, fromUnknown, TransientCloudError, type CloudErrorContext } from './errors';
import { checkName } from './validate';

/**
 * VirusTotal v3 file reports. "unknown" (404) and "not-configured" (no key) are verdicts of
 * their own and never mean clean; a rate limit (429) is a transient error, retried later.
 */

export type VirusTotalVerdict =
  | { status: 'found'; sha256: string; malicious: number; suspicious: number; undetected: number; harmless: number; names: string[]; threatLabel?: string }
  | { status: 'unknown'; sha256: string }
  | { status: 'not-configured'; sha256: string };

export class VirusTotalAdapter {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly deadlineMs = defaultRequestTimeoutMs,
  ) {}

  async lookup(sha256: string): Promise<VirusTotalVerdict> {
    const context: CloudErrorContext = { service: 'virustotal', operation: 'get file report', target: sha256 };
    checkName('sha256', sha256, 'SHA-256', context);
    if (!this.apiKey) return { status: 'not-configured', sha256 };
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/files/${sha256}`, {
        headers: { 'x-apikey': this.apiKey, accept: 'application/json' },
        signal: AbortSignal.timeout(this.deadlineMs),
      });
    } catch (error) {
      throw fromUnknown(error, context);
    }
    if (response.status === 404) return { status: 'unknown', sha256 };
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
    const body = parsed as {
      data?: { attributes?: { last_analysis_stats?: Record<string, number>; names?: string[]; popular_threat_classification?: { suggested_threat_label?: string } } };
      error?: { code?: string; message?: string };
    };
    if (!response.ok) {
      throw fromHttpStatus(response.status, `${body.error?.code ?? 'error'}: ${body.error?.message ?? response.statusText}`, context);
    }
    if (!body.data?.attributes) throw new TransientCloudError(context, String(response.status), 'the answer carries no file report (data.attributes)');
    const attributes = body.data.attributes;
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
}
