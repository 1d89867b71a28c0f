import { Worker } from '@temporalio/worker';
import { podName, stormScenario } from '../../src/bench/storm-scenario';
import { parseFindingObject } from '../../src/findings/parse';
import { loadScenario } from '../../src/lab/scenario';
import { quarantineLabel, quarantineNames } from '../../src/actions/pod-isolation';
import type { ConsoleServer } from '../../src/server/console-server';
import { paymentsCluster } from '../lab-harness';
import type { CaseSnapshot } from '../../src/workflows/shared';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { signInCookie, startRigConsole } from '../console-harness';
import { prebuiltWorkflowBundle } from '../temporal/harness';
import { actActivities } from '../../src/activities/act';
import { rollbackWorkload } from '../../src/actions/rollback-workload';
import { canonicalJson } from '../../src/util/canonical-json';

/**
 * A campaign whose pods belong to one Deployment plans where the cause is: the Deployment goes
 * back to the revision before the suspect image, a few pods are kept for forensics, and one
 * decision contains every case. Real Temporal, the lab's Deployment controller, a real listener.
 */
let rig: CaseRig;
let server: ConsoleServer;
const password = 'lab password for tests';
const storm = stormScenario(loadScenario(), { findings: 5, pods: 5, binaries: 1, runTag: 'wl' });
const image = (tag: string) => `us-docker.pkg.dev/acme-payments-prod/apps/storm-api:${tag}`;

/** Storefront's revisions 42 and 43 run the suspect image and split the traffic; 41 runs the release before. */
const scenario = {
  ...storm.scenario,
  cloudRun: storm.scenario.cloudRun.map((service) =>
    service.service !== 'storefront'
      ? service
      : {
          ...service,
          revisions: [...service.revisions, { ...service.revisions.find((r) => r.name === 'storefront-00042-qaz')!, name: 'storefront-00043-wex', createTime: '2026-11-21T09:00:00Z' }],
          traffic: [
            { revision: 'storefront-00042-qaz', percent: 50 },
            { revision: 'storefront-00043-wex', percent: 50 },
          ],
        },
  ),
};

beforeAll(async () => {
  rig = await startCaseRig({}, { lab: { scenario }, campaignSampleSize: 2, campaignResponse: { preservePods: 2 } });
  await rig.startWorker();
  server = await startRigConsole(rig, [approvers.secops, approvers.lead], password, ['@acme.example']);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await rig?.stop();
});

const kube = () => rig.deps.clients.kubernetes(paymentsCluster);
const finding = (i: number) => parseFindingObject(storm.findings[i]);

type CampaignPlanView = { hash: string; actions: Record<string, number>; blastRadius: { workloads: string[] }; cases: { caseId: string }[]; changes: { action: string; effect: string; cases: number }[] };

async function decideCampaign(campaignId: string, cookie: string, reason: string): Promise<CampaignPlanView> {
  const path = `${server.url}/api/campaigns/${campaignId}`;
  const { plan } = (await (await fetch(path, { headers: { cookie } })).json()) as { plan: CampaignPlanView };
  const decided = await fetch(`${path}/decision`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve', planHash: plan.hash, reason }) });
  expect(decided.status).toBe(200);
  return plan;
}

test('pods of one Deployment in one campaign plan its rollback, keep the first pods, and the rollout happens once for all of them', async () => {
  // The first pod alone is a pod: its plan replaces it.
  const first = await rig.ingest(finding(0));
  const alone = await rig.waitForStatus(first.workflowId, first.runId, 'awaiting-decision');
  expect(alone.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'replace-pod']);

  // Three more pods of the same Deployment: a pattern, so the plan moves to the workload.
  const later = await Promise.all([1, 2, 3].map((i) => rig.ingest(finding(i))));
  const ready = await Promise.all(later.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision')));
  const [campaign] = await rig.store.campaignsOfCase(first.caseId);
  // Kept: the pods of the campaign's first two cases, which collected its evidence (the sample of two).
  const kept = (await rig.store.campaign(campaign!.id))!.members.slice(0, 2).map((m) => m.pod!);
  expect(kept[0]).toBe(podName(0));
  for (const snapshot of ready) {
    const rollback = snapshot.plan!.actions.find((a) => a.action === 'rollback-workload');
    expect(rollback?.target).toMatchObject({ kind: 'deployment-rollback', name: 'storm-api', from: { image: image('1.0.0') }, to: { revision: 1, image: image('0.9.0') } });
    expect((rollback!.target as { preserve: { name: string }[] }).preserve.map((p) => p.name)).toEqual(kept);
    expect(rollback!.effect).toContain(`pod(s) storm/${kept[0]}, storm/${kept[1]} are kept for forensics`);
    expect(snapshot.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'rollback-workload']);
    expect(snapshot.plan!.notes).toContainEqual(expect.stringMatching(new RegExp(`^campaign ${campaign!.id}: [234] of its cases are pods of Deployment storm-api, .*the plan acts on Deployment storm-api \\(rollback-workload, else scale-workload-to-zero\\), keeping pod\\(s\\) ${kept.join(', ')} for forensics$`)));
  }
  // Each case planned the same rollout, so the campaign's plan rolls one Deployment.
  expect(new Set(ready.map((r) => canonicalJson(r.plan!.actions[1]))).size).toBe(1);

  const secops = await signInCookie(server, approvers.secops, password);
  const plan = await decideCampaign(campaign!.id, secops, 'one bad release');
  expect(plan.actions).toMatchObject({ 'rollback-workload': 3, 'replace-pod': 1 });
  expect(plan.blastRadius.workloads).toEqual(['us-central1/payments-prod storm/Deployment storm-api']);
  // The rollout the three plans share is one change to read, beside the first case's own.
  expect(plan.changes.map((c) => [c.action, c.cases])).toEqual([
    ['rollback-workload', 3],
    ['replace-pod', 1],
  ]);
  expect(plan.changes[0]!.effect).toBe(ready[0]!.plan!.actions[1]!.effect);

  const handles = [first, ...later].map((c) => rig.env.client.workflow.getHandle(c.workflowId, c.runId));
  const contained = (await Promise.all(handles.slice(1).map((h) => h.result()))) as CaseSnapshot[];
  expect(contained.map((o) => o.status)).toEqual(['contained', 'contained', 'contained']);
  // The first case's approved plan replaced one pod; made again before acting, it rolls the workload: a new plan. Made before
  // the rollout it is the rollback to decide, asked again; told that the campaign's rollout is in place, the case plans once
  // more and is the campaign's to contain. Made after, it is the campaign's rollback in place, and the approval stands (the
  // cases act at once, so either can come first).
  const replanned = await rig.waitFor(first.workflowId, first.runId, (s) => (s.status === 'awaiting-decision' && s.plan!.hash !== alone.plan!.hash) || s.status === 'contained');
  expect(replanned.plan!.actions.map((a) => a.action)).toEqual(['notify-owner', 'rollback-workload']);
  expect(replanned.plan!.actions[1]).toEqual(ready[0]!.plan!.actions[1]);
  const last = (await handles[0]!.result()) as CaseSnapshot;
  expect(last.status).toBe('contained');
  const timeline = (await rig.store.getCase(first.caseId))!.timeline;
  const askedAgain = last.decisions.length > 1;
  expect(last.decisions.map((d) => d.approver)).toEqual(askedAgain ? [approvers.secops, `campaign:${campaign!.id}`] : [approvers.secops]);
  expect(timeline.filter((t) => t.kind === 'plan-changed')).toHaveLength(askedAgain ? 2 : 1);

  // The rollout happened once; every other case found it done.
  const rollbacks = [last, ...contained].flatMap((o) => o.actions.filter((r) => r.action === 'rollback-workload').map((r) => r.status)).sort();
  expect(rollbacks).toEqual(['already-done', 'already-done', 'already-done', 'applied']);
  expect([last, ...contained].flatMap((o) => o.actions.filter((r) => r.action === 'replace-pod'))).toEqual([]);
  // The owner heard of the campaign once, from whichever case acted first; the others found it told.
  const ownerNotices = rig.notices.filter((n) => n.event === 'owner-notice');
  expect(ownerNotices).toEqual([expect.objectContaining({ id: `${campaign!.id}:owner-notice`, campaignId: campaign!.id, text: expect.stringContaining(`of campaign ${campaign!.id}, once for all of its cases`) })]);
  const told = [last, ...contained].flatMap((o) => o.actions.filter((r) => r.action === 'notify-owner').map((r) => r.status)).sort();
  expect(told).toEqual(['already-done', 'already-done', 'already-done', 'applied']);

  const deployment = await kube().getDeployment('storm', 'storm-api');
  expect(deployment.template.spec?.containers?.[0]?.image).toBe(image('0.9.0'));
  const pods = (await kube().listPods('storm')).filter((p) => p.name.startsWith('storm-api-'));
  // The kept pods still run what the suspects ran, isolated and out of their ReplicaSet; the rest run the earlier image.
  const survivors = pods.filter((p) => kept.includes(p.name));
  expect(survivors.map((p) => [p.name, p.containers[0]!.image, p.labels[quarantineLabel] === quarantineNames(p.uid).labelValue, 'app' in p.labels])).toEqual(kept.map((name) => [name, image('1.0.0'), true, false]));
  expect(pods.filter((p) => !kept.includes(p.name)).map((p) => p.containers[0]!.image)).toEqual(Array(5).fill(image('0.9.0')));

  // A finding that comes late, for a pod the rollout replaced: its workload is the campaign's, and the rollback holds, so the
  // campaign contains it without a decision of its own; acting only checks the rollback is still in place, and changes nothing.
  const mutationsBefore = rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client').length;
  const late = await rig.ingest(finding(4));
  const lateHandle = rig.env.client.workflow.getHandle(late.workflowId, late.runId);
  const lateOutcome = (await lateHandle.result()) as CaseSnapshot;
  expect(lateOutcome.status).toBe('contained');
  expect(lateOutcome.plan!.campaignHeld).toEqual({ campaignId: campaign!.id, actions: [1] });
  expect(lateOutcome.plan!.actions[1]).toEqual(ready[0]!.plan!.actions[1]);
  expect(lateOutcome.decisions).toEqual([expect.objectContaining({ approver: `campaign:${campaign!.id}`, via: 'campaign', reason: `contained by campaign ${campaign!.id}: rollback-workload approved for its cases and in place already` })]);
  expect(lateOutcome.actions.find((a) => a.action === 'rollback-workload')).toMatchObject({ status: 'already-done', detail: "in place: the campaign's containment, approved for its cases" });
  expect(rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client')).toHaveLength(mutationsBefore);
  handles.push(lateHandle);

  // Reverted after that case planned (a person undid the rollout): acting for it is refused, and still changes nothing.
  const held = lateOutcome.plan!.actions[1]!;
  await rollbackWorkload.revert!({ clients: rig.deps.clients, notifier: rig.deps.notifier }, held);
  const reverted = rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client').length;
  const again = await actActivities(rig.deps).applyAction({ caseId: late.caseId, action: held, dryRun: false });
  expect(again).toMatchObject({ status: 'refused', detail: "the campaign's containment no longer holds (reverted or changed since): this case needs a decision of its own" });
  expect(rig.lab.clusters.get('/k8s/acme-payments-prod/us-central1/payments-prod')!.store.mutations.filter((m) => m.by === 'client')).toHaveLength(reverted);
  expect((await kube().getDeployment('storm', 'storm-api')).template.spec?.containers?.[0]?.image).toBe(image('1.0.0'));

  for (const [i, handle] of handles.entries()) {
    await Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await handle.fetchHistory(), [first, ...later, late][i]!.workflowId);
  }
});

test("Cloud Run cases of one service in a campaign move its traffic once: whichever acts second finds it moved, as the campaign's", async () => {
  const onRevision = (revision: string, id: string) => {
    const entry = structuredClone(loadScenario().findings.find((f) => f.finding.category === 'Execution: Added Binary Executed' && String(f.finding.resourceName).includes('run.googleapis.com'))!);
    const finding = entry.finding as { name: string; resourceName: string };
    finding.name = finding.name.replace(/[^/]+$/, id);
    finding.resourceName = finding.resourceName.replace(/revisions\/[^/]+$/, `revisions/${revision}`);
    return parseFindingObject(entry);
  };
  const cases = await Promise.all([onRevision('storefront-00042-qaz', 'c1a0d000000000000000000000000a1'), onRevision('storefront-00043-wex', 'c1a0d000000000000000000000000b2')].map((f) => rig.ingest(f)));
  const ready = await Promise.all(cases.map((c) => rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision')));
  const shifts = ready.map((r) => r.plan!.actions.find((a) => a.action === 'shift-traffic-to-previous-revision')!.target);
  // Each moves all traffic to 41; a case that plans after the other takes the other's move as it stands (one change).
  expect(shifts.map((t) => (t as { toRevision: string }).toRevision)).toEqual(['storefront-00041-kel', 'storefront-00041-kel']);
  expect(shifts.every((t) => ['storefront-00042-qaz', 'storefront-00043-wex'].includes((t as { fromRevision: string }).fromRevision))).toBe(true);
  const [campaign] = await rig.store.campaignsOfCase(cases[0]!.caseId);
  const secops = await signInCookie(server, approvers.secops, password);
  await decideCampaign(campaign!.id, secops, 'one bad release of storefront');
  const outcomes = (await Promise.all(cases.map((c) => rig.env.client.workflow.getHandle(c.workflowId, c.runId).result()))) as CaseSnapshot[];
  expect(outcomes.map((o) => o.status)).toEqual(['contained', 'contained']);
  const results = outcomes.flatMap((o) => o.actions.filter((a) => a.action === 'shift-traffic-to-previous-revision').map((a) => a.status)).sort();
  expect(results).toEqual(['already-done', 'applied']);
  expect((await rig.deps.clients.run.getService('acme-web-prod', 'europe-west1', 'storefront')).traffic).toEqual([{ revision: 'storefront-00041-kel', percent: 100 }]);
  for (const c of cases) {
    await Worker.runReplayHistory({ workflowBundle: prebuiltWorkflowBundle() }, await rig.env.client.workflow.getHandle(c.workflowId, c.runId).fetchHistory(), c.workflowId);
  }
});
