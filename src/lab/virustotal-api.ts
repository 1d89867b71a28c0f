import type { Router} from './http';
import { json, type LabResponse } from './http';
import type { Scenario } from './scenario';

/**
 * The API key's per-minute quota, as VirusTotal keeps it: every request with the key counts, and
 * one more than `perMinute` within a minute is answered 429 QuotaExceededError. Without a quota
 * set, requests are only counted, so tests can say what the busiest minute carried.
 */
export class VirusTotalQuota {
  private readonly arrivals: number[] = [];

  constructor(public perMinute?: number) {}

  /** Counts one request; false when it exceeds the quota. */
  admit(at = Date.now()): boolean {
    this.arrivals.push(at);
    return this.perMinute === undefined || this.arrivals.filter((t) => t > at - 60_000).length <= this.perMinute;
  }

  /** The most requests any window of `windowMs` held, counting those since `since`. */
  peakPerMinute(windowMs = 60_000, since = 0): number {
    const arrivals = this.arrivals.filter((t) => t >= since);
    let peak = 0;
    for (let start = 0, end = 0; end < arrivals.length; end++) {
      while (arrivals[end]! - arrivals[start]! >= windowMs) start++;
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  get requests(): number {
    return this.arrivals.length;
  }
}

/** VirusTotal v3 GET /api/v3/files/{sha256}, ip_addresses/{ip} and domains/{domain}: a report, or a 404 for what it does not know. */
export class VirusTotalApi {
  constructor(
    private readonly scenario: Scenario,
    private readonly apiKey: string,
    private readonly quota: VirusTotalQuota,
  ) {}

  private refused(request: { headers: Record<string, string | string[] | undefined> }): LabResponse | undefined {
    if (request.headers['x-apikey'] !== this.apiKey) return virusTotalError(401, 'WrongCredentialsError', 'Wrong API key');
    if (!this.quota.admit()) return virusTotalError(429, 'QuotaExceededError', `Quota exceeded: more than ${this.quota.perMinute} requests in a minute`);
    return undefined;
  }

  routes(router: Router): void {
    router.on('GET', /^\/api\/v3\/files\/([^/]+)$/, (request, [id]) => {
      const refused = this.refused(request);
      if (refused) return refused;
      const hash = id!.toLowerCase();
      const verdict = this.scenario.virustotal[hash];
      if (!verdict) return virusTotalError(404, 'NotFoundError', `File "${hash}" not found`);
      return json(200, {
        data: {
          id: hash,
          type: 'file',
          links: { self: `https://www.virustotal.com/api/v3/files/${hash}` },
          attributes: {
            sha256: hash,
            names: verdict.names,
            last_analysis_date: 1795000000,
            last_analysis_stats: { ...pick(verdict), timeout: 0, 'confirmed-timeout': 0, failure: 0, 'type-unsupported': 0 },
            ...(verdict.popularThreatLabel ? { popular_threat_classification: { suggested_threat_label: verdict.popularThreatLabel } } : {}),
          },
        },
      });
    });
    router.on('GET', /^\/api\/v3\/(ip_addresses|domains)\/([^/]+)$/, (request, [collection, id]) => {
      const refused = this.refused(request);
      if (refused) return refused;
      const value = decodeURIComponent(id!).toLowerCase();
      const report = this.scenario.virustotalIndicators[value];
      const type = collection === 'domains' ? 'domain' : 'ip_address';
      if (!report) return virusTotalError(404, 'NotFoundError', `Resource "${value}" not found`);
      return json(200, {
        data: {
          id: value,
          type,
          links: { self: `https://www.virustotal.com/api/v3/${collection}/${value}` },
          attributes: {
            last_analysis_date: 1795000000,
            last_analysis_stats: { malicious: report.malicious, suspicious: report.suspicious, undetected: report.undetected, harmless: report.harmless, timeout: 0 },
            ...(report.owner ? { as_owner: report.owner } : {}),
            ...(report.country ? { country: report.country } : {}),
          },
        },
      });
    });
  }
}

function pick(verdict: Scenario['virustotal'][string]) {
  return { malicious: verdict.malicious, suspicious: verdict.suspicious, undetected: verdict.undetected, harmless: verdict.harmless };
}

export function virusTotalError(status: number, code: string, message: string): LabResponse {
  return json(status, { error: { code, message } });
}
