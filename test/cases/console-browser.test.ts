import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import type { ConsoleServer } from '../../src/server/console-server';
import { startRigConsole } from '../console-harness';

/** The console in headless Chromium: sign in, find the case, read it, approve it, watch it contained. */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const password = 'lab password for the browser';
const viewer = 'analyst@acme.example';
let rig: CaseRig;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium (scripts/test.sh does) or set CHROMIUM_PATH`);
  rig = await startCaseRig();
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops, viewer], password);
  // Running as root in CI containers, Chromium's sandbox cannot start.
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rig?.stop();
});

/** Pages as a person sees them, kept for reading (SCC_SCREENSHOTS names the folder). */
async function screenshot(page: Page, name: string): Promise<void> {
  const folder = process.env.SCC_SCREENSHOTS;
  if (folder) await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}

async function signedIn(email: string, path: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[139]/.test(message.text())) problems.push(message.text());
  });
  await page.goto(`${server.url}${path}`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
  await page.getByTestId('who').waitFor();
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

test('an approver opens a case in the console, approves it, and sees the containment', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');

  const page = await signedIn(approvers.secops, '/?status=awaiting-decision');
  expect(await page.getByTestId('who').textContent()).toBe(`${approvers.secops} (approver)`);
  const row = page.locator(`[data-testid="case-row"][data-case="${caseId}"]`);
  await row.waitFor();
  expect(await row.getByTestId('case-status').textContent()).toBe('awaiting-decision');
  // The page follows the case over its event stream: it never asks for the case again.
  const asked: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === `/api/cases/${caseId}`) asked.push(request.url());
  });
  await row.getByRole('link', { name: caseId }).click();
  await page.waitForURL(`**/cases/${caseId}`);

  await page.getByTestId('decision-form').waitFor();
  const steps = await page.getByTestId('step').evaluateAll((items) => items.map((item) => item.getAttribute('data-step')));
  expect(steps).toEqual(expect.arrayContaining(['review', 'cluster-and-node', 'pod', 'logs', 'capture', 'research']));
  const record = (await rig.store.getCase(caseId))!;
  const binary = record.evidence.find((e) => e.kind === 'binary')!;
  expect(await page.getByTestId('evidence').textContent()).toContain(binary.sha256);
  expect(await page.getByTestId('virustotal').textContent()).toContain(binary.sha256);
  expect(await page.getByTestId('mitre').textContent()).toContain('T1105');
  expect(await page.getByTestId('plan-action').count()).toBe(record.case.plan?.actions.length ?? -1);
  expect((await page.getByTestId('blast-radius').textContent())?.length).toBeGreaterThan(0);

  // What step 1 found beside the finding, each saying what became of it here.
  expect(await page.getByTestId('related-finding').count()).toBeGreaterThan(0);
  expect(await page.getByTestId('related').textContent()).toMatch(/not received here|joined this case|in case-/);
  await screenshot(page, 'case-awaiting-decision');

  await page.getByTestId('decision-reason').fill('dropped binary, not in the image');
  await page.getByTestId('approve').click();
  // Live status: the page follows the workflow until it is contained, without a reload.
  await page.locator('h1 [data-testid="case-status"]', { hasText: 'contained' }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="action"][data-status="applied"]').first().waitFor();
  expect(await page.getByTestId('decision-entry').textContent()).toMatch(new RegExp(`^approve by ${approvers.secops.replace('.', '\\.')} at .*: dropped binary, not in the image$`));
  expect(await page.getByTestId('decision-form').count()).toBe(0);
  await screenshot(page, 'case-contained');
  expect(asked).toEqual([]);

  const closed = (await rig.store.getCase(caseId))!;
  expect(closed.case).toMatchObject({ status: 'contained', outcome: 'contained' });
  expect(closed.case.decision).toEqual([expect.objectContaining({ approver: approvers.secops, via: 'update', reason: 'dropped binary, not in the image' })]);
  expect((page as Page & { problems: string[] }).problems).toEqual([]);
});

test('a related finding links to the case it joined, and the link opens that case', async () => {
  // After the first test, the container's Added Binary case is contained: the compiler finding opens a new one.
  const contained = (await rig.store.caseForFinding(rig.finding('Added Binary Executed', 'gke').finding.name))!;
  // Contained is shown before the case's last messages go out: a finding that comes before its workflow ends joins it.
  await rig.env.client.workflow.getHandle(contained.workflow_id, contained.run_id).result();
  const { caseId, workflowId, runId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
  expect(caseId).not.toBe(contained.id);
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const page = await signedIn(viewer, `/cases/${caseId}`);
  const related = page.getByTestId('related-finding').filter({ hasText: 'Added Binary Executed' });
  await related.waitFor();
  expect(await related.textContent()).toContain(`in ${contained.id} (contained)`);
  expect(await page.getByTestId('other-case').textContent()).toMatch(new RegExp(`^${contained.id} contained`));
  await screenshot(page, 'case-related-findings');
  await related.getByTestId('case-link').click();
  await page.waitForURL(`**/cases/${contained.id}`);
  await page.locator('h1 [data-testid="case-status"]', { hasText: 'contained' }).waitFor();
  expect((page as Page & { problems: string[] }).problems).toEqual([]);
  await rig.env.client.workflow.getHandle(workflowId, runId).terminate('test over');
});

test('a viewer reads a waiting case but is offered no decision', async () => {
  const { caseId, workflowId, runId } = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'gke'));
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const page = await signedIn(viewer, `/cases/${caseId}`);
  await page.getByTestId('plan').waitFor();
  await page.locator('h1 [data-testid="case-status"]', { hasText: 'awaiting-decision' }).waitFor();
  expect(await page.getByTestId('decision-form').count()).toBe(0);
  expect(await page.getByTestId('who').textContent()).toBe(viewer);
  await rig.env.client.workflow.getHandle(workflowId, runId).terminate('test over');
});

test('cases of one binary on two pods form a campaign: each case links to it, and its page lists the cases, pods, workload, cluster and project, linking back', async () => {
  const cases = [];
  for (const [pod, id] of [['checkout-api-7d9f8b6c5-x2k8q', 'c4mpa1gn0000000000000000000000a1'], ['checkout-api-7d9f8b6c5-lq4zp', 'c4mpa1gn0000000000000000000000b2']] as const) {
    const ingested = await rig.ingest(rig.findingOnPod('Added Binary Executed', pod, id));
    await rig.waitForStatus(ingested.workflowId, ingested.runId, 'awaiting-decision');
    cases.push(ingested);
  }
  const [campaign] = await rig.store.campaignsOfCase(cases[1]!.caseId);
  expect(campaign).toMatchObject({ kind: 'binary-sha256', indicator: 'e60ea92d751901dbd5426b6a16aa0588eed6f77a7dc4cd05bbc86db39a9ff619' });

  const page = await signedIn(viewer, `/cases/${cases[0]!.caseId}`);
  const link = page.getByTestId('case-campaign').getByTestId('campaign-link');
  await link.waitFor();
  expect(await link.textContent()).toBe(campaign!.id);
  await link.click();
  await page.waitForURL(`**/campaigns/${campaign!.id}`);
  for (const { caseId } of cases) await page.locator(`[data-testid="campaign-case"][data-case="${caseId}"]`).waitFor();
  const row = (caseId: string) => page.locator(`[data-testid="campaign-case"][data-case="${caseId}"]`).textContent();
  expect(await row(cases[0]!.caseId)).toContain('us-central1/payments-prod checkout/checkout-api-7d9f8b6c5-x2k8q');
  expect(await row(cases[1]!.caseId)).toContain('checkout/checkout-api-7d9f8b6c5-lq4zp');
  expect(await row(cases[1]!.caseId)).toContain('acme-payments-prod');
  await page.getByTestId('campaign-workload').filter({ hasText: 'acme-payments-prod us-central1/payments-prod checkout/Deployment checkout-api' }).waitFor();
  expect(await page.getByTestId('campaign-indicator').textContent()).toBe('binary e60ea92d751901dbd5426b6a16aa0588eed6f77a7dc4cd05bbc86db39a9ff619');
  expect(await page.getByTestId('campaign-facts').textContent()).toMatch(/\d+ cases\d+ pods1 workloads1 clusters1 projects/);
  await screenshot(page, 'campaign');

  // The list of campaigns leads to the same page, and the page back to each case.
  await page.getByTestId('nav-campaigns').click();
  await page.waitForURL('**/campaigns');
  await page.locator(`[data-testid="campaign-row"][data-campaign="${campaign!.id}"]`).waitFor();
  await screenshot(page, 'campaign-list');
  await page.locator(`[data-testid="campaign-row"][data-campaign="${campaign!.id}"]`).getByTestId('campaign-link').click();
  await page.locator(`[data-testid="campaign-case"][data-case="${cases[1]!.caseId}"]`).getByTestId('case-link').click();
  await page.waitForURL(`**/cases/${cases[1]!.caseId}`);
  await page.getByTestId('case-campaign').waitFor();
  expect((page as Page & { problems: string[] }).problems).toEqual([]);

  // An approver sees the campaign's plan and decides it once for the cases that wait.
  const approver = await signedIn(approvers.secops, `/campaigns/${campaign!.id}`);
  await approver.getByTestId('campaign-decision-form').waitFor();
  const waiting = (await rig.store.campaignPlan(campaign!.id))!;
  expect(await approver.getByTestId('campaign-plan-hash').textContent()).toBe(waiting.hash);
  expect(await approver.getByTestId('campaign-plan-summary').textContent()).toContain(`${waiting.cases.length} case(s) wait for a decision`);
  await screenshot(approver, 'campaign-plan');
  await approver.getByTestId('campaign-decision-reason').fill('one binary, one incident');
  await approver.getByTestId('campaign-approve').click();
  await approver.getByTestId('campaign-decision-message').filter({ hasText: `approve sent to ${waiting.cases.length} case(s)` }).waitFor();
  for (const { workflowId, runId } of cases) expect(await rig.env.client.workflow.getHandle(workflowId, runId).result()).toMatchObject({ status: 'contained' });
  await approver.getByTestId('campaign-decision').filter({ hasText: `approve by ${approvers.secops}` }).waitFor();
  expect((approver as Page & { problems: string[] }).problems).toEqual([]);
});

test('after sign-in the console goes only to a path on its own origin, however "next" is spelled', async () => {
  const origin = new URL(server.url).origin;
  for (const next of ['/%5C127.0.0.1:8191/', '/%09/127.0.0.1:8191/', '//evil.example/', 'https://evil.example/', '/%5C%5Cevil.example', 'javascript:alert(1)']) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/login?next=${next}`);
    await page.getByLabel('E-mail').fill(viewer);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    expect([next, new URL(page.url()).origin, new URL(page.url()).pathname]).toEqual([next, origin, '/']);
    await page.context().close();
  }
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.url}/login?next=${encodeURIComponent('/?status=contained#top')}`);
  await page.getByLabel('E-mail').fill(viewer);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === origin && url.search === '?status=contained');
  await page.context().close();
});
