import { createHash } from 'node:crypto';
import { parseFindingObject } from '../findings/parse';
import { loadScenario } from '../lab/scenario';
import { legacyCanonicalJson } from '../util/canonical-json';
import { appendAudit, genesisHash, verifyAudit, type AuditEntry } from './audit';
import { CaseStore } from './case-store';
import { EmbeddedDatabase } from './database';

/** The audit chain across the change to RFC 8785: old entries verify as they were hashed, new ones as they read back. */

let db: EmbeddedDatabase;

beforeAll(async () => {
  db = await EmbeddedDatabase.open();
  const store = new CaseStore(db);
  await store.migrate();
  const finding = parseFindingObject(loadScenario().findings[0]!).finding;
  await store.openCase({ caseId: 'case-0000000000aa', workflowId: 'wf-a', runId: 'run-a', subjectKey: 'a', finding, dryRun: false, openedAt: '2026-12-02T10:00:00Z' });
});

afterAll(async () => {
  await db?.close();
});

/** An entry as the code before RFC 8785 wrote it: no canonicalization named, hashed with the legacy text. */
async function appendLegacy(caseId: string, key: string, content: Record<string, unknown>): Promise<void> {
  const [last] = await db.query<{ seq: number; hash: string }>('select seq, hash from audit_log where case_id = $1 order by seq desc limit 1', [caseId]);
  const seq = (last?.seq ?? 0) + 1;
  const prev = last?.hash ?? genesisHash;
  const entry: AuditEntry = { caseId, key, at: '2026-12-01T10:00:00Z', kind: 'timeline', content };
  const hash = createHash('sha256').update(`${prev}\n${seq}\n${legacyCanonicalJson(entry)}`).digest('hex');
  await db.query('insert into audit_log (case_id, seq, entry_key, entry, prev_hash, hash) values ($1, $2, $3, $4, $5, $6)', [caseId, seq, key, JSON.stringify(entry), prev, hash]);
}

test('a chain begun before RFC 8785 verifies, and goes on with entries that name it; an edit still breaks it', async () => {
  const caseId = 'case-0000000000aa';
  await db.query('delete from audit_log where case_id = $1', [caseId]);
  await appendLegacy(caseId, 'old:1', { summary: 'written by the previous release', list: [1, 'é', { b: 2, a: 1 }] });
  await appendLegacy(caseId, 'old:2', { summary: 'and another' });
  // What JSON.stringify leaves out or turns to a string is hashed as it will read back from the database.
  await db.transaction((tx) => appendAudit(tx, { caseId, key: 'new:1', at: '2026-12-02T10:00:00Z', kind: 'timeline', content: { at: new Date('2026-12-02T10:00:00Z'), gaps: [undefined, 'capture'], none: undefined } as never }));
  expect(await verifyAudit(db, caseId)).toEqual({ intact: true, entries: 3 });
  const [stored] = await db.query<{ entry: AuditEntry }>("select entry from audit_log where case_id = $1 and entry_key = 'new:1'", [caseId]);
  expect(stored!.entry).toMatchObject({ canonicalization: 'rfc8785', content: { at: '2026-12-02T10:00:00.000Z', gaps: [null, 'capture'] } });

  await db.query(`update audit_log set entry = jsonb_set(entry, '{content,summary}', '"rewritten"') where case_id = $1 and entry_key = 'old:1'`, [caseId]);
  expect(await verifyAudit(db, caseId)).toMatchObject({ intact: false, firstBroken: { seq: 1, reason: 'its content was changed (hash differs)' } });
});
