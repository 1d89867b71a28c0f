import { actions, unknownActionsIn } from '../actions';
import { decisionRulesFor } from '../config/decision-keys';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Notifier } from '../notify/notice';
import { SlackAppChannel, type SlackMessageLedger } from '../notify/slack-app';
import { SlackWebApi } from '../notify/slack-web-api';
import { ChannelNotifier, EmailChannel, JsonWebhookChannel, SignedWebhookChannel, SlackChannel, type Channel } from '../notify/channels';
import { VirusTotalLookups } from '../activities/virustotal-lookups';
import type { ActivityDeps } from '../activities';
import { CaseStore } from '../cases/case-store';
import { openDatabase } from '../cases/database';
import { LocalEvidenceStore, type EvidenceStore } from '../cases/evidence-store';
import { GcsEvidenceStore } from '../cloud/gcs-evidence';
import { createCloudClients, type CloudClients } from '../cloud';
import { virusTotalBaseUrl } from '../cloud/config';
import { VirusTotalAdapter } from '../cloud/virustotal';
import type { Config } from '../config/config';
import { temporalConnectOptions } from '../config/temporal-connection';

/** Connections and stores built from the configuration: shared by the worker, the CLI and the dev stack. */

export async function connectClient(config: Config, interceptors?: ClientInterceptors): Promise<Client> {
  const connection = await Connection.connect(temporalConnectOptions(config.temporal));
  return new Client({ connection, namespace: config.temporal.namespace, ...(interceptors ? { interceptors } : {}) });
}

export function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectOptions(config.temporal));
}

export async function openCaseStore(config: Config): Promise<CaseStore> {
  const store = new CaseStore(await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, 'cases') }));
  await store.migrate();
  return store;
}

/** The channels the configuration names: the plain JSON webhook, Slack, the signed webhook, e-mail. */
export function notifierFor(config: Config, store: SlackMessageLedger): Notifier {
  const { notifications } = config;
  const channels: Channel[] = [];
  if (config.notifyWebhookUrl) channels.push(new JsonWebhookChannel(config.notifyWebhookUrl));
  if (notifications.slackWebhookUrl) channels.push(new SlackChannel(notifications.slackWebhookUrl));
  if (notifications.slackApp) channels.push(new SlackAppChannel(new SlackWebApi(notifications.slackApp.apiUrl, notifications.slackApp.botToken), notifications.slackApp.channel, store));
  if (notifications.webhook) channels.push(new SignedWebhookChannel(notifications.webhook.url, notifications.webhook.secret));
  if (notifications.smtp) channels.push(new EmailChannel(notifications.smtp));
  return new ChannelNotifier(channels);
}

/** Where artifacts are kept: the named Cloud Storage bucket, else <dataDir>/evidence. The worker writes there, the console reads. */
export function evidenceStoreFor(config: Pick<Config, 'evidence' | 'cloud' | 'dataDir'>): EvidenceStore {
  return config.evidence.bucket ? new GcsEvidenceStore(config.cloud, config.evidence.bucket, config.evidence.prefix) : new LocalEvidenceStore(join(config.dataDir, 'evidence'));
}

export function buildActivityDeps(config: Config, store: CaseStore, clients: CloudClients = createCloudClients(config.cloud)): ActivityDeps {
  const unknown = unknownActionsIn(config.policy.responses, actions);
  if (unknown.length > 0) throw new Error(`policy.responses names actions this worker does not have (${unknown.join('; ')}); it has ${actions.names.join(', ')}`);
  return {
    clients,
    store,
    evidence: evidenceStoreFor(config),
    virusTotal: new VirusTotalLookups(new VirusTotalAdapter(virusTotalBaseUrl(config.cloud), config.cloud.virusTotal?.apiKey), store, config.virusTotalPerMinute),
    notifier: notifierFor(config, store),
    routing: { defaultRecipients: config.notifications.defaultRecipients, campaignNoticeMinutes: config.notifications.campaignNoticeMinutes, ...(config.notifications.consoleUrl ? { consoleUrl: config.notifications.consoleUrl } : {}) },
    collector: `scc-responder worker on ${hostname()} (pid ${process.pid})`,
    maxArtifactBytes: config.maxArtifactBytes,
    captureImage: config.captureImage,
    decisionRules: decisionRulesFor(config),
    campaignWindowMinutes: config.campaignWindowMinutes,
    campaignSampleSize: config.campaignSampleSize,
    ...(config.campaignWorkloadResponse ? { campaignResponse: { preservePods: config.campaignPreservePods } } : {}),
  };
}
