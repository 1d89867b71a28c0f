import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { signatureHeader, timestampHeader, verifySignature } from '../../src/notify/channels';
import { GcsEvidenceStore } from '../../src/cloud/gcs-evidence';
import type { investigateCase } from '../../src/workflows/investigate-case';
import { approvers, startCaseRig } from '../case-rig';
import { noticeReceivers } from '../notice-receivers';
import { freshWorkerDatabase } from '../worker-database';
import { killWorker, startWorkerProcess } from '../worker-process';

/**
 * The worker as an operator runs it: one process, configured by its file alone. Every notice
 * channel the file names hears the case, and the evidence goes to the bucket it names.
 */

test('a worker configured by file: notices on the JSON webhook, Slack, the signed webhook and e-mail, and evidence in the named bucket', async () => {
  const db = await freshWorkerDatabase();
  const rig = await startCaseRig({}, { store: db.store });
  const receivers = noticeReceivers();
  let worker: ChildProcess | undefined;
  try {
    const [json, slack, signed, mail] = [await receivers.http(), await receivers.http(), await receivers.http(), await receivers.smtp()];
    const secret = 'a signing secret from the config file';
    worker = startWorkerProcess({
      address: rig.env.address,
      taskQueue: rig.taskQueue,
      workflowIdPrefix: rig.workflowIdPrefix,
      databaseUrl: db.url,
      lab: rig.lab,
      policy: rig.policy, trust: [rig.authority.key],
      config: {
        notifyWebhookUrl: json.url,
        notifications: {
          consoleUrl: 'https://scc.acme.example/',
          defaultRecipients: ['secops@acme.example'],
          slackWebhookUrl: slack.url,
          webhook: { url: signed.url, secret },
          smtp: { host: '127.0.0.1', port: mail.port, from: 'scc-responder@acme.example' },
        },
        evidence: { bucket: 'acme-evidence', prefix: 'cases/' },
      },
    });

    const c = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
    const ready = await rig.waitForStatus(c.workflowId, c.runId, 'awaiting-decision', 120_000);
    await rig.decide(rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId), { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
    const closed = await rig.env.client.workflow.getHandle<typeof investigateCase>(c.workflowId, c.runId).result();
    expect(closed.outcome).toBe('contained');
    expect(closed.actions.map((a) => [a.action, a.status])).toEqual([
      ['notify-owner', 'applied'],
      ['replace-pod', 'applied'],
      // The lab's binary is one VirusTotal flags, so the identity it ran with is cut too.
      ['revoke-workload-identity', 'applied'],
    ]);

    // The case's notices and the owner notice the plan named, on every channel, to the route the plan said.
    const expected = ['ready-for-decision', 'owner-notice', 'contained'];
    const eventOf = (body: string) => (JSON.parse(body) as { event: string }).event;
    expect(json.received.map((r) => eventOf(r.body))).toEqual(expected);
    expect(signed.received.map((r) => eventOf(r.body))).toEqual(expected);
    for (const r of signed.received) expect(verifySignature(secret, { timestamp: String(r.headers[timestampHeader]), signature: String(r.headers[signatureHeader]) }, r.body)).toBe(true);
    expect(slack.received).toHaveLength(3);
    expect((JSON.parse(slack.received[0]!.body) as { text: string }).text).toContain(`Console: https://scc.acme.example/cases/${c.caseId}`);
    const route = ready.plan!.actions.find((a) => a.action === 'notify-owner')!.target as { recipients: string[] };
    expect(route.recipients).toEqual(['secops@acme.example']);
    expect(mail.mails.map((m) => m.to)).toEqual([route.recipients, route.recipients, route.recipients]);
    expect(mail.mails[0]!.data).toMatch(/^Subject: Case \S+ ready for a decision/m);
    // The notices came from the configured channels alone: the rig's own webhook is not in the file.
    expect(rig.notices.filter((n) => n.caseId === c.caseId)).toEqual([]);

    const evidence = (await rig.store.getCase(c.caseId))!.evidence;
    expect(evidence.map((e) => e.kind)).toContain('binary');
    const bucket = rig.lab.gcs.objects('acme-evidence');
    for (const row of evidence) {
      expect(row.storage_path).toBe(`gs://acme-evidence/cases/${row.sha256}`);
      const stored = bucket.get(`cases/${row.sha256}`)!;
      expect(createHash('sha256').update(stored.bytes).digest('hex')).toBe(row.sha256);
    }
    // Read back the way the console reads it: checked against its hash.
    const binary = evidence.find((e) => e.kind === 'binary')!;
    const reader = new GcsEvidenceStore({ mode: 'lab', url: rig.lab.url, token: rig.lab.token, kubeconfigPath: rig.lab.kubeconfigPath, virusTotal: { apiKey: rig.lab.virusTotalKey } }, 'acme-evidence', 'cases/');
    expect(createHash('sha256').update(await reader.get(binary.sha256)).digest('hex')).toBe(binary.sha256);
  } finally {
    if (worker) await killWorker(worker);
    await receivers.close();
    await rig.stop();
    await db.close();
  }
}, 240_000);
