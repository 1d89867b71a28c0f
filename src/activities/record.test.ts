import { storeBackends } from '../../test/store-backends';
import { allCategories, notificationFor } from '../../test/fixtures/findings';
import { CaseStore } from '../cases/case-store';
import type { Database } from '../cases/database';
import type { Finding } from '../findings/model';
import { parseFinding } from '../findings/parse';
import type { ActivityDeps } from './deps';
import { recordActivities } from './record';

/**
 * A case's write takes in every finding that arrived since the last, in one transaction, and
 * each finding joins the campaign its indicator names under that campaign's lock. Cases whose
 * findings name the same indicators in opposite orders write at once without waiting on each
 * other for ever (PostgreSQL reports such a wait as a deadlock and fails the write).
 */
describe.each(storeBackends)('record writes on %s', (_kind, open) => {
  let db: Database;
  let store: CaseStore;
  let record: ReturnType<typeof recordActivities>;

  beforeAll(async () => {
    db = await open();
    store = new CaseStore(db);
    await store.migrate();
    record = recordActivities({ store, decisionRules: { keys: [] }, campaignWindowMinutes: 60 } as unknown as ActivityDeps);
  });

  afterAll(async () => {
    await db?.close();
  });

  const base = parseFinding(JSON.stringify(notificationFor(allCategories[0]!, 'gke'))).finding;
  /** A finding of its own name whose binary is `sha256`: the campaign it names is that binary's. */
  const findingWith = (name: string, sha256: string): Finding => {
    const finding = structuredClone(base);
    return { ...finding, name: finding.name.replace(/[^/]+$/, name), processes: [{ ...finding.processes[0], binary: { path: '/tmp/x', sha256 } }] as Finding['processes'] };
  };

  test('writes that join the same campaigns in opposite orders all land, and each case is in both campaigns', async () => {
    const [one, other] = ['a'.repeat(64), 'b'.repeat(64)];
    const pairs = 12;
    const caseIds = Array.from({ length: pairs * 2 }, (_, i) => `case-${String(i).padStart(12, '0')}`);
    for (const caseId of caseIds) {
      await store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: `run-${caseId}`, subjectKey: `gke/${caseId}`, finding: base, dryRun: false, openedAt: '2026-12-07T10:00:00Z' });
    }
    const at = '2026-12-07T10:00:01Z';
    await Promise.all(
      caseIds.map((caseId, i) => {
        const [first, second] = i % 2 === 0 ? [one, other] : [other, one];
        const entries = [findingWith(`${caseId}x1`, first), findingWith(`${caseId}x2`, second)].map((finding) => ({ type: 'finding' as const, finding, at }));
        return record.recordCase({ caseId, entries });
      }),
    );
    for (const caseId of caseIds) {
      const campaigns = await store.campaignsOfCase(caseId);
      expect(campaigns.map((c) => c.indicator).sort()).toEqual([one, other]);
    }
    expect((await store.listCampaigns({ minCases: 1 })).filter((c) => c.indicator === one || c.indicator === other)).toHaveLength(2);
  });
});
