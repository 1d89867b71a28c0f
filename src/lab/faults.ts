import type { FaultRule } from './scenario';

export type LabApi = 'scc' | 'logging' | 'gke' | 'kubernetes' | 'run' | 'virustotal' | 'storage';

export interface FaultDecision {
  latencyMs: number;
  status?: 403 | 404 | 429 | 503;
}

/**
 * Fault injection per API. Transient failures come from a seeded sequence, so a drill with a
 * 30% failure rate fails the same requests every run.
 */
export class Faults {
  private rules: FaultRule[] = [];
  private state: number;

  constructor(rules: FaultRule[] = [], seed = 0x5cc) {
    this.state = seed;
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = [...rules];
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  decide(api: LabApi, path: string): FaultDecision {
    let latencyMs = 0;
    let status: FaultDecision['status'];
    for (const rule of this.rules) {
      if (rule.api !== '*' && rule.api !== api) continue;
      if (rule.pathContains !== undefined && !path.includes(rule.pathContains)) continue;
      latencyMs = Math.max(latencyMs, rule.latencyMs);
      if (rule.permanentStatus) status ??= rule.permanentStatus;
      else if (rule.transientRate > 0 && !status) {
        const draw = this.next();
        if (draw < rule.transientRate) status = draw < rule.transientRate / 2 ? 429 : 503;
      }
    }
    return status ? { latencyMs, status } : { latencyMs };
  }

  /** mulberry32: small, fast and good enough to spread failures evenly. */
  private next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
