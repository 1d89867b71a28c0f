import type { Runtime } from './vocabulary';

/**
 * What a playbook is: one category's runbook as data, in a file of its own under playbooks/.
 * Workflow code reads playbooks, so they hold data only (action names, not action modules).
 */

export interface MitreTechnique {
  id: string;
  name: string;
}

/** What the investigation gathers, in the runbook's order. */
export type EvidenceKind =
  | 'finding'
  | 'related-findings'
  | 'cluster-and-node'
  | 'pod-and-owner'
  | 'pod-logs'
  | 'cluster-audit-logs'
  | 'node-logs'
  | 'cloud-run-configuration'
  | 'cloud-run-logs'
  | 'executed-binary'
  | 'script'
  | 'mitre-attack'
  | 'virustotal';

/**
 * A response step names an action by the name its module declares (src/actions), or names
 * alternatives of which the first that applies is planned. Nothing here runs without approval;
 * the worker checks at start that every name has a module.
 */
export type ResponseStep = string | readonly string[];

export interface ResponsePlaybook {
  gke: readonly ResponseStep[];
  'cloud-run': readonly ResponseStep[];
}

export interface Playbook<Id extends string = string> {
  id: Id;
  title: string;
  /** True for the fallback used when the category is none of the four this project knows. */
  generic: boolean;
  /** Category strings as SCC emits them; matching ignores case and a leading tactic prefix. */
  emittedAs: readonly string[];
  runtimes: readonly Runtime[];
  /** The runbook pages this playbook follows (../shared/seeds). */
  runbookSeeds: readonly string[];
  whatHappened: string;
  mitre: readonly MitreTechnique[];
  evidence: { gke: readonly EvidenceKind[]; 'cloud-run': readonly EvidenceKind[] };
  defaultResponse: ResponsePlaybook;
  /**
   * Steps added to the response when the research flagged what ran (VirusTotal's engines on a
   * binary, a script or an address it talked to): proof that the code is hostile, not just new.
   */
  whenFlagged?: ResponsePlaybook;
  /** The runbook's advice for when the investigation shows the change was intended. */
  ifIntended: string;
}
