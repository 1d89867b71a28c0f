import { fromHttpStatus, fromUnknown, type CloudErrorContext } from './errors';
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
  ) {}

  async lookup(sha256: string): Promise<VirusTotalVerdict> {
    const context: CloudErrorContext = { service: 'virustotal', operation: 'get file report', target: sha256 };
    checkName('sha256', sha256, 'SHA-256', context);
    if (!this.apiKey) return { status: 'not-configured', sha256 };
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/files/${sha256}`, {
        headers: { 'x-apikey': this.apiKey, accept: 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw fromUnknown(error, context);
    }
    const body = (await response.json().catch(() => ({}))) as {
      data?: { attributes?: { last_analysis_stats?: Record<string, number>; names?: string[]; popular_threat_classification?: { suggested_threat_label?: string } } };
      error?: { code?: string; message?: string };
    };
    if (response.status === 404) return { status: 'unknown', sha256 };
    if (!response.ok) {
      throw fromHttpStatus(response.status, `${body.error?.code ?? 'error'}: ${body.error?.message ?? response.statusText}`, context);
    }
    const attributes = body.data?.attributes ?? {};
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
