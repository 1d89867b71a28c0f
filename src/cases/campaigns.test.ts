import { randomBytes } from 'node:crypto';
import { notificationFor, type CategoryKey, type RuntimeKey } from '../../test/fixtures/findings';
import { campaignKeyOf } from '../findings/campaign-key';
import type { Finding } from '../findings/model';
import { parseFinding } from '../findings/parse';
import { CaseStore } from './case-store';
import type { Database } from './database';
import { postgresConfigured, storeBackends } from '../../test/store-backends';

/**
 * Campaigns in the case store: which findings are one incident, that a storm's cases form one
 * campaign whichever worker records them and in whatever order, and what the campaign says about
 * where its cases run. On the embedded default and on PostgreSQL.
 */

const backends = storeBackends;
if (!postgresConfigured) test.skip('campaigns on postgres: TEST_DATABASE_URL is not set, so only the embedded store was tested', () => undefined);

type Json = Record<string, unknown>;

/** A finding of `category` on pod `pod`, changed by `edit` (the notification as SCC sends it). */
function findingOn(pod: string, category: CategoryKey = 'binary', edit: (finding: Json) => void = () => undefined, runtime: RuntimeKey = 'gke'): Finding {
  const notification = notificationFor(category, runtime) as { finding: Json & { name: string; sourceProperties?: Json } };
  notification.finding.name = notification.finding.name.replace(/[^/]+$/, `${pod.replace(/[^a-z0-9]/g, '')}${randomBytes(4).toString('hex')}`);
  if (notification.finding.sourceProperties) notification.finding.sourceProperties.Pod_Name = pod;
  edit(notification.finding);
  return parseFinding(JSON.stringify(notification)).finding;
}

const digest = `sha256:${'d'.repeat(64)}`;
const withImageId = (id: string) => (f: Json) => void (f.containers = [{ name: 'orders-api', uri: 'europe-docker.pkg.dev/shop-prod-4417/apps/orders-api:3.2.0', imageId: id }]);
const withoutHashes = (f: Json) => void (f.processes = [{ name: 'gcc', binary: { path: '/usr/bin/gcc' }, args: ['gcc'] }]);

describe('what makes findings one incident', () => {
  test('the script before the interpreter that ran it, then the binary, then the image with the category', () => {
    const script = campaignKeyOf(findingOn('a', 'script'))!;
    expect(script.kind).toBe('script-sha256');
    expect(campaignKeyOf(findingOn('a', 'netcat'))).toMatchObject({ kind: 'binary-sha256', key: `binary-sha256:${'c'.repeat(64)}` });
    const image = campaignKeyOf(findingOn('a', 'compiler', (f) => (withoutHashes(f), withImageId(digest)(f))))!;
    expect(image).toEqual({ key: `image-digest:${digest}|Defense Evasion: Launch Code Compiler Tool In Container`, kind: 'image-digest', indicator: digest, category: 'Defense Evasion: Launch Code Compiler Tool In Container' });
    expect(campaignKeyOf(findingOn('a', 'compiler', withoutHashes))).toBeUndefined();
  });

  test('a hash of the first bytes only never equals a whole-file hash', () => {
    const partial = campaignKeyOf(findingOn('a', 'binary'))!;
    expect(partial.key).toBe(`binary-sha256:${'b'.repeat(64)}/first-1048576`);
    expect(partial.indicator).toBe('b'.repeat(64));
  });

  test('the digest pinned in a Cloud Run image URI counts; an image ID that is not a digest is noted and groups nothing', () => {
    expect(findingOn('a', 'compiler', withoutHashes, 'cloud-run').subject.imageDigest).toBe(`sha256:${'ab'.repeat(32)}`);
    const odd = findingOn('a', 'compiler', (f) => (withoutHashes(f), withImageId('docker://not-a-digest$(id)')(f)));
    expect(odd.subject.imageDigest).toBeUndefined();
    expect(odd.intake.notes.join('\n')).toContain('"docker://not-a-digest$(id)" is not an image digest');
    expect(campaignKeyOf(odd)).toBeUndefined();
  });
});

describe.each(backends)('campaigns on %s', (_kind, open) => {
  let db: Database;
  let store: CaseStore;
  let n = 0;

  beforeAll(async () => {
    db = await open();
    store = new CaseStore(db);
    await store.migrate();
  });
  afterAll(() => db?.close());

  /** A case opened and its finding recorded, as the workflow's first write does. */
  const caseFor = async (finding: Finding, at: string, window?: number) => {
    const caseId = `case-${(++n).toString(16).padStart(12, '0')}`;
    await store.openCase({ caseId, workflowId: `wf-${caseId}`, runId: 'run', subjectKey: `gke/${finding.subject.runtime === 'gke' ? finding.subject.pod : 'run'}/${caseId}`, finding, dryRun: false, openedAt: at });
    await store.joinFinding(caseId, finding, at, window);
    return caseId;
  };

  test("a storm's cases recorded at once by many writers form one campaign, each case once, and a retried write adds nothing", async () => {
    const findings = Array.from({ length: 24 }, (_, i) => findingOn(`orders-api-5c7d9f6b8-p${i}`, 'netcat'));
    const ids = await Promise.all(findings.map((f, i) => caseFor(f, `2026-11-20T10:00:${String(i).padStart(2, '0')}Z`)));
    await store.joinFinding(ids[0]!, findings[0]!, '2026-11-20T10:00:00Z');
    const [campaign] = (await store.campaignsOfCase(ids[3]!)).filter((c) => c.indicator === 'c'.repeat(64));
    expect(campaign).toMatchObject({ kind: 'binary-sha256', cases: 24, pods: 24, clusters: 1, projects: 1, byStatus: { investigating: 24 }, firstCaseAt: '2026-11-20T10:00:00.000Z', lastCaseAt: '2026-11-20T10:00:23.000Z' });
    const detail = (await store.campaign(campaign!.id))!;
    expect(detail.members.map((m) => m.caseId).sort()).toEqual([...ids].sort());
    expect(new Set(detail.members.map((m) => m.pod)).size).toBe(24);
    expect(detail.members[0]).toMatchObject({ project: 'shop-prod-4417', cluster: 'europe-west4/shop-main', namespace: 'orders', runtime: 'gke', workload: null });
    expect((await store.listCampaigns()).map((c) => c.id)).toContain(campaign!.id);
  });

  test('after a quiet window the next case starts another campaign; one case alone is not listed', async () => {
    const edit = (f: Json) => void ((f.processes as Json[])[0]!.binary = { path: '/tmp/y', sha256: 'e'.repeat(64) });
    const first = await caseFor(findingOn('p-1', 'binary', edit), '2026-11-20T10:00:00Z', 60);
    const second = await caseFor(findingOn('p-2', 'binary', edit), '2026-11-20T10:59:00Z', 60);
    const late = await caseFor(findingOn('p-3', 'binary', edit), '2026-11-20T12:00:00Z', 60);
    const [a] = await store.campaignsOfCase(first);
    const [b] = await store.campaignsOfCase(second);
    const [c] = await store.campaignsOfCase(late);
    expect(a!.id).toBe(b!.id);
    expect(c!.id).not.toBe(a!.id);
    expect(c!.cases).toBe(1);
    const listed = (await store.listCampaigns()).map((x) => x.id);
    expect(listed).toContain(a!.id);
    expect(listed).not.toContain(c!.id);
  });

  test('the same image with another category is another incident; a finding with no indicator joins none', async () => {
    const compiler = await caseFor(findingOn('img-1', 'compiler', (f) => (withoutHashes(f), withImageId(digest)(f))), '2026-11-21T10:00:00Z');
    const sameImageNetcat = await caseFor(
      findingOn('img-2', 'netcat', (f) => {
        (f.processes as Json[])[0]!.binary = { path: '/usr/bin/nc' };
        withImageId(digest)(f);
      }),
      '2026-11-21T10:00:01Z',
    );
    const bare = await caseFor(findingOn('img-3', 'compiler', withoutHashes), '2026-11-21T10:00:02Z');
    expect((await store.campaignsOfCase(compiler))[0]!.id).not.toBe((await store.campaignsOfCase(sameImageNetcat))[0]!.id);
    expect(await store.campaignsOfCase(bare)).toEqual([]);
  });

  test('cases recorded at once are numbered without a gap or a repeat, and the first ones collect for the campaign', async () => {
    const edit = (f: Json) => void ((f.processes as Json[])[0]!.binary = { path: '/tmp/s', sha256: '5'.repeat(64) });
    const findings = Array.from({ length: 12 }, (_, i) => findingOn(`batch-7d9f-${i}`, 'binary', edit));
    const ids = await Promise.all(findings.map((f) => caseFor(f, '2026-11-23T10:00:00Z')));
    const roles = await Promise.all(ids.map((id, i) => store.campaignSampling(id, 3, findings[i]!.name)));
    expect(roles.map((r) => r!.ordinal).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const collecting = roles.filter((r) => r!.collects);
    expect(collecting.map((r) => r!.ordinal).sort()).toEqual([1, 2, 3]);
    for (const role of roles) expect(role!.sample).toEqual([...collecting].sort((a, b) => a!.ordinal - b!.ordinal).map((r) => ids[roles.indexOf(r)]));
    expect(new Set(roles.map((r) => r!.campaignId)).size).toBe(1);
    const detail = (await store.campaign(roles[0]!.campaignId))!;
    expect(detail.members.map((m) => m.evidence)).toEqual([...Array(3).fill('collected'), ...Array(9).fill('sampled')]);
  });

  test('a case keeps the part it was given: a retry with another sample size changes nothing', async () => {
    const edit = (f: Json) => void ((f.processes as Json[])[0]!.binary = { path: '/tmp/k', sha256: '6'.repeat(64) });
    const first = await caseFor(findingOn('keep-1', 'binary', edit), '2026-11-23T11:00:00Z');
    const second = await caseFor(findingOn('keep-2', 'binary', edit), '2026-11-23T11:00:01Z');
    expect(await store.campaignSampling(second, 1)).toMatchObject({ ordinal: 2, collects: false, sample: [first] });
    expect(await store.campaignSampling(second, 5)).toMatchObject({ ordinal: 2, collects: false });
    expect(await store.campaignSampling(first, 5)).toMatchObject({ ordinal: 1, collects: true, sample: [first] });
    const bare = await caseFor(findingOn('keep-3', 'compiler', withoutHashes), '2026-11-23T11:00:02Z');
    expect(await store.campaignSampling(bare, 3)).toBeUndefined();
  });

  test('the workload comes from what step 3 found owns each pod', async () => {
    const edit = (f: Json) => void ((f.processes as Json[])[0]!.binary = { path: '/tmp/z', sha256: 'f'.repeat(64) });
    const one = await caseFor(findingOn('web-1', 'binary', edit), '2026-11-22T10:00:00Z');
    const two = await caseFor(findingOn('web-2', 'binary', edit), '2026-11-22T10:00:01Z');
    await store.addEvent(one, { key: 'evidence:pod', at: '2026-11-22T10:00:05Z', kind: 'evidence', detail: { owners: [{ kind: 'ReplicaSet', name: 'web-7f' }, { kind: 'Deployment', name: 'web' }] } });
    const [campaign] = await store.campaignsOfCase(two);
    const detail = (await store.campaign(campaign!.id))!;
    expect(detail.members.map((m) => [m.caseId, m.workload])).toEqual([
      [one, 'Deployment web'],
      [two, null],
    ]);
    expect(detail.workloads).toEqual(['shop-prod-4417 europe-west4/shop-main orders/Deployment web']);
    expect(await store.campaign('campaign-000000000000')).toBeUndefined();
  });
  test("a campaign's workload: the cases its pods share, the first pods to keep, their images, and a replaced pod known by its ReplicaSet's name", async () => {
    const edit = (f: Json) => void ((f.processes as Json[])[0]!.binary = { path: '/tmp/w', sha256: 'e'.repeat(64) });
    const pods = ['api-6d8f7-aaaaa', 'api-6d8f7-bbbbb', 'db-0', 'api-6d8f7-ccccc', 'api-6d8f7-ddddd'];
    const ids: string[] = [];
    for (const [i, pod] of pods.entries()) ids.push(await caseFor(findingOn(pod, 'binary', edit), `2026-11-24T10:00:0${i}Z`));
    const podStep = (caseId: string, owners: { kind: string; name: string }[], image: string) =>
      store.addEvent(caseId, { key: 'evidence:pod', at: '2026-11-24T10:01:00Z', kind: 'evidence', detail: { pod: { containers: [{ name: 'app', image }] }, owners } });
    const api = [{ kind: 'ReplicaSet', name: 'api-6d8f7' }, { kind: 'Deployment', name: 'api' }];
    // The first case's pod step has not run yet; the fifth pod was gone before its case looked.
    await podStep(ids[1]!, api, 'registry.example/api:2');
    await podStep(ids[2]!, [{ kind: 'StatefulSet', name: 'db' }], 'registry.example/db:1');
    await podStep(ids[3]!, api, 'registry.example/api:2-hotfix');

    const found = await store.campaignWorkload(ids[3]!, 2);
    expect(found).toMatchObject({ workload: { kind: 'Deployment', name: 'api' }, cases: 2, images: ['registry.example/api:2', 'registry.example/api:2-hotfix'], planned: [] });
    // Kept: the first pods in the namespace not known to run elsewhere, in the order they joined (the unknown first one included).
    expect(found!.keep).toEqual(['api-6d8f7-aaaaa', 'api-6d8f7-bbbbb']);
    const late = await store.campaignWorkload(ids[4]!, 3);
    expect(late).toMatchObject({ workload: { kind: 'Deployment', name: 'api' }, cases: 3, keep: ['api-6d8f7-aaaaa', 'api-6d8f7-bbbbb', 'api-6d8f7-ccccc'] });
    expect(await store.campaignWorkload(ids[2]!, 2)).toMatchObject({ workload: { kind: 'StatefulSet', name: 'db' }, cases: 1 });
    // No pod step yet, but a name a recorded ReplicaSet gives its pods; a name none gives is nothing known.
    expect(await store.campaignWorkload(ids[0]!, 2)).toMatchObject({ workload: { kind: 'Deployment', name: 'api' } });
    const stray = await caseFor(findingOn('other-1', 'binary', edit), '2026-11-24T10:00:09Z');
    expect(await store.campaignWorkload(stray, 2)).toBeUndefined();
  });
});
