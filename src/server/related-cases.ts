import type { CaseRecord, CaseRow, CaseStore } from '../cases/case-store';
import type { CaseFindingSummary } from '../workflows/shared';

/**
 * The findings step 1 found beside the case's own, each with what became of it here (the case it
 * joined, or intake's disposition, or nothing: SCC raised it but it never arrived), and the
 * subject's other cases: what an analyst follows from one case to the next.
 */

export interface RelatedFinding extends CaseFindingSummary {
  caseId: string | null;
  caseStatus: string | null;
  /** Joined this very case. */
  here: boolean;
  disposition: string | null;
}

export interface OtherCase {
  id: string;
  status: string;
  category: string;
  openedAt: string;
}

export async function relatedOf(store: Pick<CaseStore, 'fatesOfFindings' | 'otherCasesForSubject'>, row: CaseRow, record: CaseRecord): Promise<{ related: RelatedFinding[]; otherCases: OtherCase[] }> {
  const review = record.timeline.find((t) => t.event_key === 'evidence:review')?.detail as { related?: CaseFindingSummary[] } | undefined;
  const found = Array.isArray(review?.related) ? review.related : [];
  const [fates, others] = await Promise.all([store.fatesOfFindings(found.map((f) => f.name)), store.otherCasesForSubject(row.subject_key, row.id)]);
  return {
    related: found.map((f) => {
      const fate = fates.get(f.name);
      return { name: f.name, category: f.category, severity: f.severity, eventTime: f.eventTime, caseId: fate?.caseId ?? null, caseStatus: fate?.caseStatus ?? null, here: fate?.caseId === row.id, disposition: fate?.disposition ?? null };
    }),
    otherCases: others.map((o) => ({ id: o.id, status: o.status, category: o.category, openedAt: o.opened_at })),
  };
}
