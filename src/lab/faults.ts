import type { FaultRule } from './scenario';

export type LabApi = 'scc' | 'resourcemanager' | 'logging' | 'gke' | 'kubernetes' | 'run' | 'iam' | 'virustotal' | 'storage';

export interface FaultDecision {
  latencyMs: number;
  status?: 403 | 404 | 429 | 500 | 503;
  /** Hold the request this long, then answer 503. */
  hangMs?: number;
  /** Answer 200 with a body that is not the API's. */
  malformed?: boolean;
}

/** What a request is, for matching: its API, its operation, and the text a rule may look for. */
export interface FaultTarget {
  api: LabApi;
  operation: string;
  /** Path, query and body, for `pathContains`. */
  text: string;
}

/**
 * Fault injection per API and operation. Transient failures come from a seeded sequence, so a
 * drill with a 30% failure rate fails the same requests every run. Every fault served is
 * counted per rule, so a test can tell what its rules actually did.
 */
export class Faults {
  private rules: FaultRule[] = [];
  private counts: number[] = [];
  private state: number;

  constructor(rules: FaultRule[] = [], seed = 0x5cc) {
    this.state = seed;
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = [...rules];
    this.counts = rules.map(() => 0);
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  /** How many faults each rule served (a status, a hang or a malformed body; latency alone is not a fault). */
  served(): { rule: FaultRule; served: number }[] {
    return this.rules.map((rule, i) => ({ rule, served: this.counts[i] ?? 0 }));
  }

  decide(target: FaultTarget): FaultDecision {
    let latencyMs = 0;
    let decision: Omit<FaultDecision, 'latencyMs'> | undefined;
    this.rules.forEach((rule, i) => {
      if (rule.api !== '*' && rule.api !== target.api) return;
      if (rule.operation !== undefined && rule.operation !== target.operation) return;
      if (rule.pathContains !== undefined && !target.text.includes(rule.pathContains)) return;
      latencyMs = Math.max(latencyMs, rule.latencyMs + (rule.latencyJitterMs ? Math.floor(this.next() * (rule.latencyJitterMs + 1)) : 0));
      if (decision) return;
      if (rule.permanentStatus) decision = { status: rule.permanentStatus };
      else if (rule.hangMs) decision = { hangMs: rule.hangMs };
      else if (rule.malformed) decision = { malformed: true };
      else if (rule.transientRate > 0) {
        const draw = this.next();
        if (draw < rule.transientRate) decision = { status: draw < rule.transientRate / 2 ? 429 : 503 };
      }
      if (decision) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
    return { latencyMs, ...decision };
  }

  /** mulberry32: small, fast and good enough to spread failures evenly. */
  private next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
