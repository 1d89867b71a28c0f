import type { TimelineEntry } from './case-store';

/** What the investigation could not do, and why: failed steps, captures that failed, planning, notices and SCC write-back, and a case that failed itself. */
export function caseGaps(timeline: TimelineEntry[]): { step: string; reason: string }[] {
  return timeline
    .filter((t) => (t.kind === 'step' && t.outcome === 'gap') || t.kind === 'capture-gap' || t.kind === 'gap' || t.kind === 'failure')
    .map((t) => {
      const detail = t.detail as { gap?: { reason?: string; permission?: string }; reason?: string; detail?: string; permission?: string };
      const permission = detail.permission ?? detail.gap?.permission;
      const reason = detail.gap?.reason ?? detail.reason ?? detail.detail ?? 'no reason recorded';
      return { step: t.step ?? (t.kind === 'failure' ? 'workflow' : t.kind), reason: permission ? `${reason} (needs ${permission})` : reason };
    });
}
