import { notifyActivities } from '../../src/activities/notify';
import { ChannelNotifier, EmailChannel, SignedWebhookChannel, SlackChannel, signatureHeader, timestampHeader, verifySignature } from '../../src/notify/channels';
import { ownersAnnotation, ownersFor } from '../../src/notify/owners';
import { startCaseRig, type CaseRig } from '../case-rig';
import { paymentsCluster } from '../lab-harness';
import { noticeReceivers } from '../notice-receivers';

/** Notices over Slack's webhook format, a signed webhook and SMTP, each to a real loopback peer, routed to the owner. */

let rig: CaseRig;
const receivers = noticeReceivers();

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await receivers.close();
  await rig?.stop();
});

test('a ready case is announced on Slack, on a signed webhook and by e-mail to its owners, with the console link and the command', async () => {
  const slack = await receivers.http();
  const hook = await receivers.http();
  const mail = await receivers.smtp();
  const secret = 'a-webhook-secret-of-some-length';
  const notifier = new ChannelNotifier([new SlackChannel(slack.url), new SignedWebhookChannel(hook.url, secret), new EmailChannel({ host: '127.0.0.1', port: mail.port, from: 'scc-responder@acme.example' })]);
  const { workflowId, runId, caseId } = await rig.ingest(rig.finding('Launch Code Compiler Tool In Container', 'gke'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision', 90_000);
  const findings = (await rig.store.getCase(caseId))!.findings.map((f) => ({ ...f.finding, contacts: [] }));
  const pod = rig.lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!.store.get('pods', 'checkout', findings[0]!.subject.runtime === 'gke' ? findings[0]!.subject.pod : '')!;
  pod.metadata.annotations = { ...pod.metadata.annotations, [ownersAnnotation]: 'payments-oncall@acme.example, not-an-address' };

  const { notify } = notifyActivities({ ...rig.deps, notifier, routing: { consoleUrl: 'https://scc.acme.example/', defaultRecipients: ['secops@acme.example'] } });
  await notify({ caseId, event: 'ready-for-decision', findings, plan: ready.plan! });

  const consoleUrl = `https://scc.acme.example/cases/${caseId}`;
  const slackBody = JSON.parse(slack.received[0]!.body) as { text: string; blocks: { text?: { text: string } }[] };
  expect(slackBody.text).toContain(`Console: ${consoleUrl}`);
  expect(slackBody.blocks.map((b) => b.text?.text).join('\n')).toContain(`<${consoleUrl}|Open the case in the console>`);
  expect(slackBody.text).toContain(`scc-responder approve ${caseId}`);

  const signed = hook.received[0]!;
  const headers = { timestamp: String(signed.headers[timestampHeader]), signature: String(signed.headers[signatureHeader]) };
  expect(verifySignature(secret, headers, signed.body)).toBe(true);
  expect(verifySignature(secret, headers, signed.body.replace('ready-for-decision', 'contained'))).toBe(false);
  expect(verifySignature('another-secret-entirely', headers, signed.body)).toBe(false);
  expect(verifySignature(secret, headers, signed.body, 300, Date.now() + 3600_000)).toBe(false);
  expect(JSON.parse(signed.body)).toMatchObject({ id: `${caseId}:ready-for-decision`, recipients: ['payments-oncall@acme.example'], routedBy: `${ownersAnnotation} on pod checkout/${pod.metadata.name}`, consoleUrl, command: expect.stringContaining(`approve ${caseId}`) });

  expect(mail.mails).toHaveLength(1);
  expect(mail.mails[0]!.to).toEqual(['payments-oncall@acme.example']);
  expect(mail.mails[0]!.data).toMatch(new RegExp(`Subject: Case ${caseId} ready for a decision`));
  // The body is quoted-printable: a long line is folded with a soft break ("=" at its end).
  expect(mail.mails[0]!.data.replace(/=\r?\n/g, '')).toContain(consoleUrl);
}, 120_000);

test('owners: the finding’s contacts first, then the pod’s annotation, then the namespace’s, then the default route', async () => {
  const parsed = rig.finding('Malicious Script Executed', 'gke');
  const subject = parsed.finding.subject as { namespace: string; pod: string };
  const cluster = rig.lab.clusters.get(`/k8s/${paymentsCluster.project}/${paymentsCluster.location}/${paymentsCluster.name}`)!;
  const withContacts = { ...parsed.finding, contacts: [{ email: 'Owner@Acme.example', role: 'security' }] } as typeof parsed.finding;
  const without = { ...parsed.finding, contacts: [] };
  expect(await ownersFor([withContacts], rig.deps.clients, [])).toEqual({ recipients: ['owner@acme.example'], routedBy: "the finding's contacts" });
  expect(await ownersFor([without], rig.deps.clients, ['secops@acme.example'])).toEqual({ recipients: ['secops@acme.example'], routedBy: 'the default route' });
  const namespace = cluster.store.get('namespaces', undefined, subject.namespace)!;
  namespace.metadata.annotations = { [ownersAnnotation]: 'team@acme.example' };
  expect(await ownersFor([without], rig.deps.clients, ['secops@acme.example'])).toEqual({ recipients: ['team@acme.example'], routedBy: `${ownersAnnotation} on namespace ${subject.namespace}` });
  expect(await ownersFor([{ ...without, subject: { ...without.subject, pod: 'gone-pod-0' } as typeof without.subject }], rig.deps.clients, [])).toMatchObject({ recipients: ['team@acme.example'] });
  expect(await ownersFor([without], { ...rig.deps.clients, kubernetes: () => { throw new Error('no cluster'); } }, [])).toEqual({ recipients: [], routedBy: 'no route' });
});
