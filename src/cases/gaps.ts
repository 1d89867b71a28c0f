import type { TimelineEntry } from './case-store';

/** What the investigation could not do, and why: failed steps, captures that failed, SCC write-back failures. */
export function caseGaps(timeline: TimelineEntry[]): { step: string; reason: string }[] {
  return timeline
    .filter((t) => (t.kind === 'step' && t.outcome === 'gap') || t.kind === 'capture-gap' || t.kind === 'gap')
    .map((t) => {
      const detail = t.detail as { gap?: { reason?: string }; reason?: string; detail?: string };
      return { step: t.step ?? t.kind, reason: detail.gap?.reason ?? detail.reason ?? detail.detail ?? 'no reason recorded' };
    });
}
