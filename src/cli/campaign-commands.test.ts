import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationFor } from '../../test/fixtures/findings';
import { parseFinding } from '../findings/parse';
import { campaignListCommand, campaignShowCommand } from './campaign-commands';
import { CliContext } from './cli-context';
import { CommandError } from './command-error';

/** `campaigns list` and `campaign show`, over the case store a worker wrote, in text and JSON. */

let dir: string;
let context: CliContext;
let out: string[];
const io = {
  stdout: (text: string) => {
    out.push(text);
    return true;
  },
  stderr: () => true,
  readStdin: async () => Buffer.alloc(0),
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scc-campaign-cli-'));
  context = new CliContext({ SCC_DATA_DIR: dir });
  const store = await context.store();
  for (const [i, pod] of ['orders-api-5c7d9f6b8-aaaaa', 'orders-api-5c7d9f6b8-bbbbb', 'orders-api-5c7d9f6b8-ccccc'].entries()) {
    const notification = notificationFor('netcat', 'gke') as { finding: { name: string; sourceProperties: Record<string, string> } };
    notification.finding.name = notification.finding.name.replace(/[^/]+$/, `n3tcat${i}`);
    notification.finding.sourceProperties.Pod_Name = pod;
    const { finding } = parseFinding(JSON.stringify(notification));
    const caseId = `case-00000000000${i}`;
    await store.openCase({ caseId, workflowId: `wf-${i}`, runId: 'run', subjectKey: `gke/${pod}`, finding, dryRun: false, openedAt: `2026-11-20T10:00:0${i}Z` });
    await store.joinFinding(caseId, finding, `2026-11-20T10:00:0${i}Z`);
  }
}, 60_000);

afterAll(async () => {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => (out = []));

test('the list says how many cases, pods, clusters and projects share what, and the JSON is the same list', async () => {
  await campaignListCommand(context, { format: 'text' }, io);
  expect(out.join('')).toMatch(/^campaign-[0-9a-f]{12} {2}3 cases, 3 pods, 1 cluster\(s\), 1 project\(s\) {2}binary-sha256 c{64} {2}\(3 investigating; last 2026-11-20T10:00:02\.000Z\)\n$/);
  out = [];
  await campaignListCommand(context, { format: 'json' }, io);
  const [campaign] = JSON.parse(out.join('')) as { id: string; cases: number }[];
  expect(campaign).toMatchObject({ cases: 3, kind: 'binary-sha256' });

  out = [];
  await campaignShowCommand(context, campaign!.id, { format: 'text' }, io);
  const text = out.join('');
  expect(text).toContain('3 cases on 3 pods, 0 workload(s), 1 cluster(s), 1 project(s); 3 investigating');
  expect(text).toContain('  case-000000000001  investigating     shop-prod-4417  europe-west4/shop-main orders/orders-api-5c7d9f6b8-bbbbb  —');
  out = [];
  await campaignShowCommand(context, campaign!.id, { format: 'json' }, io);
  expect((JSON.parse(out.join('')) as { members: unknown[] }).members).toHaveLength(3);
});

test('an ID that is not a campaign ID is refused before the store is asked, and an unknown one is said to be unknown', async () => {
  await expect(campaignShowCommand(context, '../x', { format: 'text' }, io)).rejects.toThrow(new CommandError('"../x" is not a campaign ID (campaign-XXXXXXXXXXXX)', 2));
  await expect(campaignShowCommand(context, 'campaign-000000000000', { format: 'text' }, io)).rejects.toThrow('no campaign campaign-000000000000');
});
