import type { Ancestry } from './ancestry';
import type { PlaybookId } from './categories';
import type { FindingClass, FindingNameParts, FindingState, Severity } from './vocabulary';

/** The vocabulary is part of the model's face: most code reads it from here. */
export { findingClasses, findingStates, severities, type FindingClass, type FindingNameParts, type FindingState, type Runtime, type Severity } from './vocabulary';

export interface GkeSubject {
  runtime: 'gke';
  projectId: string;
  projectNumber?: string;
  location: string;
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  imageUri?: string;
  /** The image's content digest (`sha256:…`): what ran, whatever tag named it. */
  imageDigest?: string;
  /** `VM_Instance_Name`: the node the pod ran on. */
  node?: string;
  /** Full resource name of the cluster, as in the finding. */
  clusterResourceName: string;
}

export interface CloudRunSubject {
  runtime: 'cloud-run';
  projectId: string;
  projectNumber?: string;
  region: string;
  service?: string;
  revision?: string;
  job?: string;
  execution?: string;
  container?: string;
  imageUri?: string;
  /** The image's content digest (`sha256:…`): what ran, whatever tag named it. */
  imageDigest?: string;
  resourceName: string;
}

export type Subject = GkeSubject | CloudRunSubject;

/** A file the finding reports. `sha256` may cover only the first `hashedSize` bytes. */
export interface FileReport {
  path?: string;
  size?: number;
  sha256?: string;
  hashedSize?: number;
  partiallyHashed: boolean;
}

export interface ScriptReport extends FileReport {
  /** The script text as received, cut at the intake cap when longer. */
  contents?: string;
  /** UTF-8 length of the contents as received, before any cut by intake. */
  contentsBytes?: number;
  /** SHA-256 of the contents as received (they may already be a prefix: SCC truncates long scripts). */
  contentsSha256?: string;
  contentsTruncatedByIntake: boolean;
}

export interface ProcessReport {
  name?: string;
  binary?: FileReport;
  script?: ScriptReport;
  args: string[];
  /** SCC cut the arguments (argumentsTruncated) or intake did (over its cap). */
  argsTruncated: boolean;
  pid?: number;
  parentPid?: number;
}

export interface Indicators {
  uris: string[];
  domains: string[];
  ipAddresses: string[];
}

export interface MitreAttackReport {
  primaryTactic?: string;
  primaryTechniques: string[];
  additionalTactics: string[];
  additionalTechniques: string[];
  version?: string;
}

export interface Contact {
  /** The contact role SCC groups by, e.g. `security`, `technical`, `all`. */
  role: string;
  email: string;
}

/**
 * `notification`: a Pub/Sub NotificationMessage; `client-library`: an object from the Node client
 * ({seconds, nanos} timestamps, Value structs); `console`: the console's snake_case JSON tab;
 * `api`: proto3 JSON from the REST API (a listFindings result or a bare finding).
 */
export type IntakeShape = 'notification' | 'client-library' | 'console' | 'api';

export interface Finding {
  name: string;
  nameParts: FindingNameParts;
  canonicalName?: string;
  category: string;
  playbook: { id: PlaybookId; generic: boolean; runtimeDocumented: boolean };
  severity: Severity;
  state: FindingState;
  findingClass: FindingClass;
  eventTime: string;
  createTime?: string;
  resourceName: string;
  projectDisplayName?: string;
  /** Organization and folders above the resource: what scope filters match on. */
  ancestry: Ancestry;
  subject: Subject;
  processes: ProcessReport[];
  indicators: Indicators;
  mitreAttack?: MitreAttackReport;
  contacts: Contact[];
  externalUri?: string;
  description?: string;
  intake: {
    shape: IntakeShape;
    notificationConfigName?: string;
    rawBytes: number;
    rawSha256: string;
    /** What intake set aside or reconciled, in words, for the case record. */
    notes: string[];
  };
}

/** A finding and the exact text it came from: the raw text is for the case record, never for workflows. */
export interface ParsedFinding {
  finding: Finding;
  raw: string;
}
