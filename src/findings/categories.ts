import type { Runtime } from './vocabulary';

/** Every playbook, by ID: the one list the types, the catalog and the configuration read. */
export const playbookIds = ['launch-code-compiler-tool', 'malicious-script-executed', 'added-binary-executed', 'netcat-remote-code-execution', 'generic-container-threat'] as const;
export type PlaybookId = (typeof playbookIds)[number];

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
 * The containment and outreach a playbook proposes; nothing here runs without approval. The
 * action registry (src/actions/index.ts) must hold a module for each: its type says so.
 */
export const responseActions = [
  'notify-owner',
  'replace-pod',
  'preserve-then-replace-pod',
  'quarantine-pod',
  'scale-workload-to-zero',
  'cordon-node',
  'shift-traffic-to-previous-revision',
  'delete-revision',
  'restrict-ingress',
] as const;
export type ResponseAction = (typeof responseActions)[number];

/** One step of a response: an action, or alternatives of which the first that applies is planned. */
export type ResponseStep = ResponseAction | readonly ResponseAction[];

export interface ResponsePlaybook {
  gke: readonly ResponseStep[];
  'cloud-run': readonly ResponseStep[];
}

export interface Playbook {
  id: PlaybookId;
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
  /** The runbook's advice for when the investigation shows the change was intended. */
  ifIntended: string;
}

const gkeEvidence = [
  'finding',
  'related-findings',
  'cluster-and-node',
  'pod-and-owner',
  'pod-logs',
  'cluster-audit-logs',
  'node-logs',
  'executed-binary',
  'mitre-attack',
  'virustotal',
] as const satisfies readonly EvidenceKind[];

const cloudRunEvidence = [
  'finding',
  'related-findings',
  'cloud-run-configuration',
  'cloud-run-logs',
  'mitre-attack',
  'virustotal',
] as const satisfies readonly EvidenceKind[];

const defaultResponse: ResponsePlaybook = {
  gke: ['notify-owner', 'replace-pod'],
  'cloud-run': ['notify-owner', 'shift-traffic-to-previous-revision'],
};

/**
 * A reverse shell is someone at a keyboard: the pod is kept isolated for forensics while a
 * clean one serves (a plain replacement where that cannot be done), the node takes no new pods
 * next to a possible escape, and on Cloud Run the revision goes once its traffic moved.
 */
const handsOnKeyboardResponse: ResponsePlaybook = {
  gke: ['notify-owner', ['preserve-then-replace-pod', 'replace-pod'], 'cordon-node'],
  'cloud-run': ['notify-owner', 'shift-traffic-to-previous-revision', 'delete-revision'],
};

const rebuildAdvice =
  'If the change was intended, rebuild the image with it instead of changing the running container, so containers stay immutable.';

const technique = {
  compileAfterDelivery: { id: 'T1027.004', name: 'Obfuscated Files or Information: Compile After Delivery' },
  unixShell: { id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell' },
  ingressToolTransfer: { id: 'T1105', name: 'Ingress Tool Transfer' },
  nativeApi: { id: 'T1106', name: 'Native API' },
} as const;

export const playbooks: readonly Playbook[] = [
  {
    id: 'launch-code-compiler-tool',
    title: 'Launch Code Compiler Tool In Container',
    generic: false,
    emittedAs: ['Defense Evasion: Launch Code Compiler Tool In Container'],
    runtimes: ['gke', 'cloud-run'],
    runbookSeeds: ['000', '003'],
    whatHappened:
      'A compiler was started inside a container: source may have been delivered and built in place to slip past checks on binaries.',
    mitre: [technique.compileAfterDelivery],
    evidence: { gke: gkeEvidence, 'cloud-run': cloudRunEvidence },
    defaultResponse,
    ifIntended: rebuildAdvice,
  },
  {
    id: 'malicious-script-executed',
    title: 'Malicious Script Executed',
    generic: false,
    emittedAs: ['Malicious Script Executed', 'Execution: Malicious Script Executed'],
    runtimes: ['gke', 'cloud-run'],
    runbookSeeds: ['001'],
    whatHappened:
      'Shell code that a model classified as malicious ran in a container; the finding carries the script (possibly truncated) and its hash.',
    mitre: [technique.unixShell, technique.ingressToolTransfer],
    evidence: {
      gke: [...gkeEvidence.slice(0, 7), 'executed-binary', 'script', 'mitre-attack', 'virustotal'],
      'cloud-run': [...cloudRunEvidence.slice(0, 4), 'script', 'mitre-attack', 'virustotal'],
    },
    defaultResponse,
    ifIntended: rebuildAdvice,
  },
  {
    id: 'added-binary-executed',
    title: 'Added Binary Executed',
    generic: false,
    emittedAs: ['Added Binary Executed', 'Execution: Added Binary Executed'],
    runtimes: ['gke', 'cloud-run'],
    runbookSeeds: ['002'],
    whatHappened:
      'A binary that was not part of the original image ran: a tool brought in after start, or only a container that is not kept immutable.',
    mitre: [technique.ingressToolTransfer, technique.nativeApi],
    evidence: { gke: gkeEvidence, 'cloud-run': cloudRunEvidence },
    defaultResponse,
    ifIntended: rebuildAdvice,
  },
  {
    id: 'netcat-remote-code-execution',
    title: 'Netcat Remote Code Execution In Container',
    generic: false,
    emittedAs: ['Execution: Netcat Remote Code Execution In Container', 'Netcat Remote Code Execution In Container'],
    runtimes: ['gke', 'cloud-run'],
    runbookSeeds: ['004'],
    whatHappened:
      'Netcat ran in a way consistent with remote code execution: a reverse shell, a file transfer or a tunnel out of the container.',
    mitre: [technique.unixShell],
    evidence: { gke: gkeEvidence, 'cloud-run': cloudRunEvidence },
    defaultResponse: handsOnKeyboardResponse,
    ifIntended: rebuildAdvice,
  },
];

export const genericPlaybook: Playbook = {
  id: 'generic-container-threat',
  title: 'Container threat (no specific playbook)',
  generic: true,
  emittedAs: [],
  runtimes: ['gke', 'cloud-run'],
  runbookSeeds: [],
  whatHappened: 'A container threat finding of a category without its own playbook: the common container runbook applies.',
  mitre: [],
  evidence: { gke: gkeEvidence, 'cloud-run': cloudRunEvidence },
  defaultResponse: { gke: ['notify-owner'], 'cloud-run': ['notify-owner'] },
  ifIntended: rebuildAdvice,
};

const tacticPrefix = /^(execution|defense evasion)\s*:\s*/i;

function categoryKey(category: string): string {
  return category.trim().replace(/\s+/g, ' ').replace(tacticPrefix, '').toLowerCase();
}

const byKey = new Map(playbooks.flatMap((playbook) => playbook.emittedAs.map((name) => [categoryKey(name), playbook] as const)));

/** The playbook for a category as emitted; the generic one, marked as such, for anything else. */
export function playbookFor(category: string): Playbook {
  return byKey.get(categoryKey(category)) ?? genericPlaybook;
}
