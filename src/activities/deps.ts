import type { CaseStore } from '../cases/case-store';
import type { EvidenceStore } from '../cases/evidence-store';
import type { CloudClients } from '../cloud';
import type { DecisionRules } from '../workflows/shared';
import type { Notifier } from '../notify/notice';
import type { VirusTotalLookups } from './virustotal-lookups';
import type { ActionRegistry } from '../actions/registry';
import type { CampaignPeers } from './campaign-peers';

/** What activities work with, built once per worker. */
export interface ActivityDeps {
  clients: CloudClients;
  store: CaseStore;
  evidence: EvidenceStore;
  virusTotal: VirusTotalLookups;
  notifier: Notifier;
  /** Who collects evidence, for its chain of custody. */
  collector: string;
  /** Largest artifact copied out of a container. */
  maxArtifactBytes: number;
  /** The ephemeral container image for capture from images without a shell, pinned by digest. */
  captureImage: string;
  /** The decision authority's keys and the limits on a starter's policy, from this worker's configuration. */
  decisionRules: DecisionRules;
  /**
   * Where a notice links to (the console's base URL), who gets notices nobody else owns, and how
   * often at most a route hears of one campaign (minutes; absent or 0, every case notifies on its own).
   */
  routing?: { consoleUrl?: string; defaultRecipients: string[]; campaignNoticeMinutes?: number };
  /** How long a campaign waits for its next case before the indicator's next case starts a new one. */
  campaignWindowMinutes?: number;
  /** How many cases of a campaign collect pod-level evidence; absent or 0, every case does. */
  campaignSampleSize?: number;
  /** Cases of a campaign whose pods share a workload plan for the workload, keeping this many pods; absent, each plans for its pod. */
  campaignResponse?: { preservePods: number };
  /** Who hears that a case put a campaign's workload action in place (its campaign's waiting cases); absent, nobody does. */
  campaignPeers?: CampaignPeers;
  /** The actions this worker plans and applies; the ones this project ships when absent. */
  actions?: ActionRegistry;
}
