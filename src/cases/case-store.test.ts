import { allCategories, notificationFor } from '../../test/fixtures/findings';
import { parseFinding } from '../findings/parse';
import { CaseStore } from './case-store';
import type { Database } from './database';
import { postgresConfigured, storeBackends } from '../../test/store-backends';
import { caseToJson, caseToMarkdown } from './export';
import { migrations } from './migrations';
import { entryHash, type AuditEntry } from './audit';

/** The same store, the same schema and migrations, on the embedded default and on PostgreSQL. */

const backends = storeBackends;
// Said in the output, not silently dropped: jest lists this as skipped.
if (!postgresConfigured) test.skip('case store on postgres: TEST_DATABASE_URL is not set (npm test starts a PostgreSQL), so only the embedded store was tested', () => undefined);

const parsed = (category = allCategories[0]!) => parseFinding(JSON.stringify(notificationFor(category, 'gke')));
/** A finding no other test uses: the same notification under its own ID. */
const named = (id: string) => {
  const notification = notificationFor(allCategories[0]!, 'gke') as { finding: { name: string } };
  notification.finding.name = notification.finding.name.replace(/[^/]+$/, id);
  return parseFinding(JSON.stringify(notification));
};

describe.each(backends)('case store on %s', (_kind, open) => {
  let db: Database;
  let store: CaseStore;

  beforeAll(async () => {
    db = await open();
    store = new CaseStore(db);
    await store.migrate();
  });

  afterAll(async () => {
    await db?.close();
  });

  const opened = async (caseId: string, finding = parsed().finding) => {
    await store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: `run-${caseId}`, subjectKey: 'gke/x', finding, dryRun: false, openedAt: '2026-11-20T10:00:00Z' });
  };

  test('migrations apply once, also when two stores start together', async () => {
    await Promise.all([store.migrate(), new CaseStore(db).migrate()]);
    const rows = await db.query<{ id: number }>('select id from schema_migrations order by id');
    expect(rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
  });

  test("the database moves a case's change mark on every write a reader sees, and only that case's", async () => {
    await opened('case-c0000000000a');
    await opened('case-c0000000000b');
    const marks = async () => store.changeMarks(['case-c0000000000a', 'case-c0000000000b', 'case-nonexistent']);
    let before = await marks();
    expect([...before.keys()].sort()).toEqual(['case-c0000000000a', 'case-c0000000000b']);
    const writes: [string, () => Promise<unknown>][] = [
      ['a timeline event', () => store.addEvent('case-c0000000000a', { key: 'mark-test', at: '2026-11-20T10:01:00Z', kind: 'note', detail: {} })],
      ['a new status', () => store.setState('case-c0000000000a', 'awaiting-decision', { readyAt: '2026-11-20T10:02:00Z' })],
      ['a finding joining', () => store.joinFinding('case-c0000000000a', named('markjoin0001').finding, '2026-11-20T10:03:00Z')],
      ['an action', () => store.recordAction('case-c0000000000a', 'mark-action', { action: 'annotate-finding', target: 't', status: 'applied', detail: 'd', at: '2026-11-20T10:04:00Z' }, false)],
    ];
    for (const [what, write] of writes) {
      const latest = await store.latestChangeMark();
      await write();
      const after = await marks();
      expect([what, BigInt(after.get('case-c0000000000a')!) > BigInt(before.get('case-c0000000000a')!), after.get('case-c0000000000b')]).toEqual([what, true, before.get('case-c0000000000b')]);
      expect(BigInt(await store.latestChangeMark())).toBeGreaterThan(BigInt(latest));
      before = after;
    }
    // A write that changes nothing (a retried event) leaves the mark where it was.
    await store.addEvent('case-c0000000000a', { key: 'mark-test', at: '2026-11-20T10:01:00Z', kind: 'note', detail: {} });
    expect((await marks()).get('case-c0000000000a')).toBe(before.get('case-c0000000000a'));
  });

  test("a related finding's fate: the case it joined, intake's disposition, or nothing", async () => {
    const joined = named('fatejoined01');
    const setAside = named('fateaside001');
    await opened('case-c0000000000c');
    await store.recordIntake(joined);
    await store.joinFinding('case-c0000000000c', joined.finding, '2026-11-20T10:05:00Z');
    await store.recordIntake(setAside);
    await store.setIntakeDisposition(setAside.finding.name, 'out of scope: project not watched');
    const fates = await store.fatesOfFindings([joined.finding.name, setAside.finding.name, 'organizations/1/sources/2/findings/never-arrived']);
    expect(fates.get(joined.finding.name)).toEqual({ caseId: 'case-c0000000000c', caseStatus: 'investigating', disposition: null });
    expect(fates.get(setAside.finding.name)).toEqual({ caseId: null, caseStatus: null, disposition: 'out of scope: project not watched' });
    expect(fates.has('organizations/1/sources/2/findings/never-arrived')).toBe(false);
  });

  test('intake keeps the first raw text; a finding belongs to one case only', async () => {
    const first = parsed('script');
    await store.recordIntake(first);
    await store.recordIntake({ ...first, raw: '{"tampered": true}' });
    expect(await store.rawFinding(first.finding.name)).toBe(first.raw);

    await opened('case-000000000001', first.finding);
    await opened('case-000000000002', first.finding);
    await store.joinFinding('case-000000000001', first.finding, '2026-11-20T10:00:01Z');
    await store.joinFinding('case-000000000002', first.finding, '2026-11-20T10:00:02Z');
    expect((await store.caseForFinding(first.finding.name))!.id).toBe('case-000000000001');
  });

  test('a finding signalled to a run is known by that run until a case joins it, then by the case', async () => {
    const finding = parsed('compiler');
    await store.recordIntake(finding);
    expect(await store.runForFinding(finding.finding.name)).toBeUndefined();
    await store.setIntakeSignalled(finding.finding.name, 'scc-case-a', 'run-signalled');
    expect(await store.runForFinding(finding.finding.name)).toEqual({ workflowId: 'scc-case-a', runId: 'run-signalled' });
    await opened('case-000000000009', finding.finding);
    await store.joinFinding('case-000000000009', finding.finding, '2026-11-20T10:00:01Z');
    const joined = (await store.getCase('case-000000000009'))!.case;
    expect(await store.runForFinding(finding.finding.name)).toEqual({ workflowId: joined.workflow_id, runId: joined.run_id, caseId: 'case-000000000009' });
    expect(await store.runForFinding('organizations/1/sources/2/findings/never-seen')).toBeUndefined();
    // A reset moves the case to a new run: the finding follows it, under the same case ID.
    await store.moveCaseToRun('case-000000000009', 'run-after-reset');
    expect(await store.runForFinding(finding.finding.name)).toEqual({ workflowId: joined.workflow_id, runId: 'run-after-reset', caseId: 'case-000000000009' });
  });

  test('a dead letter keeps the bytes as received, once per message, whatever the reason quotes', async () => {
    const raw = Buffer.from([0xff, 0x00, 0x7b, 0x0a]);
    const letter = { source: 'pubsub:projects/p/subscriptions/s', messageId: '42', receivedAt: '2026-11-22T06:00:00Z', reason: 'invalid finding at x: "\u0000\ud800" is odd', raw, attributes: { 'k\u0000': 'v' } };
    const id = await store.recordDeadLetter(letter);
    expect(await store.recordDeadLetter({ ...letter, reason: 'again' })).toBe(id);
    expect(id).toMatch(/^dl-[0-9a-f]{16}$/);
    expect(await store.deadLetterRaw(id)).toEqual(raw);
    expect(await store.deadLetter(id)).toMatchObject({ message_id: '42', reason: 'invalid finding at x: "\\u0000\uFFFD" is odd', attributes: { 'k\\u0000': 'v' }, size: 4 });
    expect((await store.listDeadLetters()).map((l) => l.id)).toContain(id);
  });

  test('events are idempotent, state is merged, evidence and actions recorded, verdicts cached', async () => {
    const finding = parsed('netcat').finding;
    await opened('case-000000000003', finding);
    await store.joinFinding('case-000000000003', finding, '2026-11-20T10:00:01Z');
    const event = { key: 'step:review', at: '2026-11-20T10:00:02Z', kind: 'step', step: 'review', outcome: 'ok', detail: { summary: 'first' } };
    await store.addEvent('case-000000000003', event);
    await store.addEvent('case-000000000003', { ...event, detail: { summary: 'second' } });
    await store.setState('case-000000000003', 'awaiting-decision', { readyAt: '2026-11-20T10:01:00Z', advice: 'rebuild the image' });
    await store.setState('case-000000000003', 'contained', { containedAt: '2026-11-20T10:05:00Z', outcome: 'contained' });
    await store.addEvidence({ id: 'ev-1', caseId: 'case-000000000003', kind: 'binary', sha256: 'a'.repeat(64), size: 10, source: { path: '/usr/bin/nc' }, collector: 'test', collected_at: '2026-11-20T10:02:00Z', storage_path: '/tmp/x', finding_sha256: 'a'.repeat(64), hash_check: 'match' });
    await store.recordAction('case-000000000003', 'replace-pod:x', { action: 'replace-pod', target: 'x', status: 'failed', detail: 'first try', at: '2026-11-20T10:04:00Z' }, false);
    await store.recordAction('case-000000000003', 'replace-pod:x', { action: 'replace-pod', target: 'x', status: 'applied', detail: 'done', at: '2026-11-20T10:04:30Z' }, false);
    await store.cacheVerdict('b'.repeat(64), { status: 'unknown', sha256: 'b'.repeat(64) });

    const record = (await store.getCase('case-000000000003'))!;
    expect(record.case).toMatchObject({ status: 'contained', outcome: 'contained', ready_at: '2026-11-20T10:01:00.000Z', contained_at: '2026-11-20T10:05:00.000Z', advice: 'rebuild the image' });
    expect(record.timeline.filter((t) => t.kind === 'step')).toEqual([expect.objectContaining({ event_key: 'step:review', detail: { summary: 'first' } })]);
    expect(record.evidence).toEqual([expect.objectContaining({ id: 'ev-1', size: 10, hash_check: 'match' })]);
    expect(record.actions).toEqual([expect.objectContaining({ status: 'applied', detail: 'done' })]);
    expect(record.findings.map((f) => f.finding.category)).toEqual([finding.category]);
    expect((await store.cachedVerdict('b'.repeat(64)))!.verdict).toEqual({ status: 'unknown', sha256: 'b'.repeat(64) });
    expect(await store.cachedVerdict('c'.repeat(64))).toBeUndefined();

    expect((await store.listCases({ status: 'contained' })).map((c) => c.id)).toEqual(['case-000000000003']);
    const markdown = caseToMarkdown(record);
    expect(markdown).toContain('# Case case-000000000003: Execution: Netcat Remote Code Execution In Container');
    expect(markdown).toContain('| review | ok | first |');
    expect(markdown).toContain('replace-pod on x: **applied**');
    const exported = JSON.parse(caseToJson(record, { [finding.name]: 'raw text' }));
    expect(exported.rawFindings).toEqual({ [finding.name]: 'raw text' });
  });

  test('the audit chain holds, and names the first entry that was edited or removed', async () => {
    const finding = parsed('compiler').finding;
    await opened('case-0000000000a1', finding);
    await store.addEvent('case-0000000000a1', { key: 'opened', at: '2026-11-20T10:00:00Z', kind: 'opened', detail: {} });
    await store.addEvent('case-0000000000a1', { key: 'step:review', at: '2026-11-20T10:00:01Z', kind: 'step', step: 'review', outcome: 'ok', detail: { summary: 'two related' } });
    await store.addEvidence({ id: 'ev-a1', caseId: 'case-0000000000a1', kind: 'binary', sha256: 'd'.repeat(64), size: 3, source: { path: '/x' }, collector: 't', collected_at: '2026-11-20T10:00:02Z', storage_path: '/tmp/d', finding_sha256: null, hash_check: 'no-reference' });
    await store.recordAction('case-0000000000a1', 'replace-pod:x', { action: 'replace-pod', target: 'x', status: 'applied', detail: 'deleted', at: '2026-11-20T10:00:03Z' }, false);
    await store.addEvent('case-0000000000a1', { key: 'step:review', at: '2026-11-20T10:00:09Z', kind: 'step', detail: { summary: 'a retry appends nothing' } });
    expect(await store.verifyAudit('case-0000000000a1')).toEqual({ intact: true, entries: 4 });

    await db.query(`update audit_log set entry = jsonb_set(entry, '{content,detail,summary}', '"nothing related"') where case_id = $1 and seq = 2`, ['case-0000000000a1']);
    expect(await store.verifyAudit('case-0000000000a1')).toEqual({ intact: false, entries: 4, firstBroken: { seq: 2, key: 'timeline:step:review', reason: 'its content was changed (hash differs)' } });
  });

  test('writes in one transaction are on the record together or not at all, and the chain goes on from the last that held', async () => {
    await opened('case-0000000000a3', parsed('script').finding);
    await store.inOneTransaction('case-0000000000a3', async (tx) => {
      await tx.addEvent('case-0000000000a3', { key: 'opened', at: '2026-11-20T10:00:00Z', kind: 'opened', detail: {} });
      await tx.setState('case-0000000000a3', 'investigating', {}, { key: 'status:investigating', at: '2026-11-20T10:00:00Z', kind: 'status', detail: {} });
    });
    const failed = store.inOneTransaction('case-0000000000a3', async (tx) => {
      await tx.addEvent('case-0000000000a3', { key: 'step:review', at: '2026-11-20T10:00:01Z', kind: 'step', detail: {} });
      await tx.setState('case-0000000000a3', 'awaiting-decision', { readyAt: '2026-11-20T10:00:02Z' });
      throw new Error('the write broke off (injected)');
    });
    await expect(failed).rejects.toThrow('the write broke off');
    const record = (await store.getCase('case-0000000000a3'))!;
    expect(record.timeline.map((t) => t.event_key)).toEqual(['opened', 'status:investigating']);
    expect(record.case.status).toBe('investigating');
    // The retry of the whole write: the chain takes it after the entries that held.
    await store.inOneTransaction('case-0000000000a3', (tx) => tx.addEvent('case-0000000000a3', { key: 'step:review', at: '2026-11-20T10:00:01Z', kind: 'step', detail: {} }));
    expect(await store.verifyAudit('case-0000000000a3')).toEqual({ intact: true, entries: 3 });
  });

  test('the chain hashed by the database is the hash JavaScript computes, for any text, and concurrent writes of one case chain one after another', async () => {
    await opened('case-0000000000a4', parsed('script').finding);
    const texts = ['plain', 'é ß ∑ 漢字', '🛰️ non-BMP \u{1F4A3}', 'line\nbreak\ttab\r', 'quote " backslash \\ slash /', '\u2028\u2029', '\u0001\u001f control', `${'x'.repeat(5000)}`];
    await Promise.all(
      texts.map((text, i) =>
        store.inOneTransaction('case-0000000000a4', async (tx) => {
          await tx.addEvent('case-0000000000a4', { key: `text:${i}`, at: '2026-11-20T10:00:00Z', kind: 'step', detail: { text, n: i / 3, nested: { [text]: [text, null, true] } } });
          await tx.addEvent('case-0000000000a4', { key: `text:${i}:again`, at: '2026-11-20T10:00:00Z', kind: 'step', detail: { text } });
        }),
      ),
    );
    const rows = await db.query<{ seq: number; entry: AuditEntry; prev_hash: string; hash: string }>('select seq, entry, prev_hash, hash from audit_log where case_id = $1 order by seq', ['case-0000000000a4']);
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: texts.length * 2 }, (_, i) => i + 1));
    for (const row of rows) expect(row.hash).toBe(entryHash(row.prev_hash, row.seq, row.entry));
    expect(await store.verifyAudit('case-0000000000a4')).toEqual({ intact: true, entries: texts.length * 2 });
  });

  test("writers that append to one case's chain at once, each write alone or in a transaction, chain one after another, each entry once", async () => {
    await opened('case-0000000000a5', parsed('script').finding);
    const caseId = 'case-0000000000a5';
    const event = (key: string) => ({ key, at: '2026-11-20T10:00:00Z', kind: 'step', detail: { key } });
    // Lone statements and transactions from several stores at once, and the same key sent twice (a retried write).
    const others = [store, new CaseStore(db), new CaseStore(db)];
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => others[i % 3]!.addEvent(caseId, event(`lone:${i % 25}`))),
      ...Array.from({ length: 6 }, (_, i) =>
        others[i % 3]!.inOneTransaction(caseId, async (tx) => {
          await tx.addEvent(caseId, event(`tx:${i}:a`));
          await tx.addEvent(caseId, event(`tx:${i}:b`));
        }),
      ),
      ...Array.from({ length: 4 }, (_, i) => others[i % 3]!.setState(caseId, 'investigating', {}, event(`state:${i}`))),
    ]);
    const keys = (await db.query<{ entry_key: string }>('select entry_key from audit_log where case_id = $1 order by seq', [caseId])).map((r) => r.entry_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('timeline:lone:'))).toHaveLength(25);
    expect(keys.filter((k) => k.startsWith('timeline:tx:'))).toHaveLength(12);
    expect(await store.verifyAudit(caseId)).toEqual({ intact: true, entries: keys.length });
  });

  test('a removed audit entry, or an edited timeline, is found', async () => {
    const finding = parsed('script').finding;
    await opened('case-0000000000a2', finding);
    for (const [index, key] of ['opened', 'step:review', 'step:logs'].entries()) {
      await store.addEvent('case-0000000000a2', { key, at: `2026-11-20T10:00:0${index}Z`, kind: 'step', detail: { n: index } });
    }
    await db.query(`update timeline set detail = '{"n": 42}' where case_id = $1 and event_key = 'step:logs'`, ['case-0000000000a2']);
    expect(await store.verifyAudit('case-0000000000a2')).toMatchObject({ intact: false, firstBroken: { key: 'timeline:step:logs', reason: 'the timeline entry differs from what the audit log recorded' } });
    await db.query(`delete from audit_log where case_id = $1 and seq = 2`, ['case-0000000000a2']);
    expect(await store.verifyAudit('case-0000000000a2')).toMatchObject({ intact: false, firstBroken: { seq: 3, reason: 'entry #2 is missing (found #3 in its place)' } });
  });

  test('console sessions: found until they expire or end, and expired ones are cleared by the next sign-in', async () => {
    const at = new Date('2026-11-22T10:00:00Z');
    const later = (ms: number) => new Date(at.getTime() + ms);
    await store.createSession('a'.repeat(64), 'secops@acme.example', at, later(3600_000));
    await store.createSession('b'.repeat(64), 'lead@acme.example', at, later(60_000));
    expect(await store.sessionEmail('a'.repeat(64), later(1000))).toBe('secops@acme.example');
    expect(await store.sessionEmail('b'.repeat(64), later(61_000))).toBeUndefined();
    expect(await store.sessionEmail('c'.repeat(64), later(1000))).toBeUndefined();
    await store.endSession('a'.repeat(64));
    expect(await store.sessionEmail('a'.repeat(64), later(1000))).toBeUndefined();
    await store.createSession('d'.repeat(64), 'secops@acme.example', later(120_000), later(3600_000));
    expect((await db.query<{ n: number }>('select count(*)::int as n from console_sessions'))[0]!.n).toBe(1);
  });

  test('cell text from findings cannot break the Markdown table', async () => {
    const notification = notificationFor('binary', 'gke') as { finding: { category: string } };
    notification.finding.category = 'Added | Binary Executed';
    const finding = parseFinding(JSON.stringify(notification)).finding;
    await opened('case-000000000004', finding);
    await store.joinFinding('case-000000000004', finding, '2026-11-20T10:00:01Z');
    const markdown = caseToMarkdown((await store.getCase('case-000000000004'))!);
    expect(markdown).toContain('Added \\| Binary Executed');
  });
  test('the VirusTotal quota is one for every store on the database: concurrent takers get exactly the room the window has', async () => {
    const elsewhere = new CaseStore(db);
    const taken = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? store : elsewhere).takeVirusTotalRequest(3, 60_000)));
    expect(taken.filter((t) => 'request' in t)).toHaveLength(3);
    // The rest are told to wait until the oldest request leaves the minute, not longer.
    for (const wait of taken.flatMap((t) => ('waitMs' in t ? [t.waitMs] : []))) expect(wait).toBeLessThanOrEqual(60_000);
    await db.query('delete from virustotal_requests');
  });

  test('a VirusTotal request counts from its answer: one slow to arrive keeps its whole minute', async () => {
    const first = await store.takeVirusTotalRequest(1, 60_000);
    if (!('request' in first)) throw new Error('the first request of an empty window must be granted');
    // Taken a while ago, answered only now: the window runs from the answer.
    await db.query("update virustotal_requests set at = clock_timestamp() - interval '50 seconds' where id = $1::bigint", [first.request]);
    const beforeAnswer = await store.takeVirusTotalRequest(1, 60_000);
    expect('waitMs' in beforeAnswer && beforeAnswer.waitMs).toBeLessThanOrEqual(10_000);
    await store.answeredVirusTotalRequest(first.request);
    const afterAnswer = await store.takeVirusTotalRequest(1, 60_000);
    expect('waitMs' in afterAnswer && afterAnswer.waitMs).toBeGreaterThan(50_000);
    await db.query('delete from virustotal_requests');
  });

  test('one VirusTotal lookup per key: a claim is held until released or its lease runs out, and renewed by its holder', async () => {
    expect(await store.claimVirusTotalLookup('sha:a', 'worker-1', 60_000)).toBe(true);
    expect(await store.claimVirusTotalLookup('sha:a', 'worker-2', 60_000)).toBe(false);
    expect(await store.claimVirusTotalLookup('sha:a', 'worker-1', 60_000)).toBe(true);
    await store.releaseVirusTotalLookup('sha:a', 'worker-2');
    expect(await store.claimVirusTotalLookup('sha:a', 'worker-2', 60_000)).toBe(false);
    await store.releaseVirusTotalLookup('sha:a', 'worker-1');
    expect(await store.claimVirusTotalLookup('sha:a', 'worker-2', 60_000)).toBe(true);
    // A holder that died: its lease lapses and the next worker takes the lookup over.
    expect(await store.claimVirusTotalLookup('sha:b', 'dead-worker', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.claimVirusTotalLookup('sha:b', 'worker-2', 60_000)).toBe(true);
  });
});
