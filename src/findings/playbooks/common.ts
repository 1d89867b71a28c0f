import type { EvidenceKind, ResponsePlaybook } from '../playbook';

/** What several playbooks share: the runbook's evidence lists, its responses, its advice and the MITRE techniques. */

export const gkeEvidence = [
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

export const cloudRunEvidence = [
  'finding',
  'related-findings',
  'cloud-run-configuration',
  'cloud-run-logs',
  'mitre-attack',
  'virustotal',
] as const satisfies readonly EvidenceKind[];

export const defaultResponse: ResponsePlaybook = {
  gke: ['notify-owner', 'replace-pod'],
  'cloud-run': ['notify-owner', 'shift-traffic-to-previous-revision'],
};

/**
 * A reverse shell is someone at a keyboard: the pod is kept isolated for forensics while a
 * clean one serves (a plain replacement where that cannot be done), the node takes no new pods
 * next to a possible escape, on Cloud Run the revision goes once its traffic moved, and the
 * workload's cloud identity is taken back.
 */
export const handsOnKeyboardResponse: ResponsePlaybook = {
  gke: ['notify-owner', ['preserve-then-replace-pod', 'replace-pod'], 'cordon-node', 'revoke-workload-identity'],
  'cloud-run': ['notify-owner', 'shift-traffic-to-previous-revision', 'delete-revision', 'disable-service-account'],
};

/**
 * Code that a detector flagged ran with the workload's cloud identity: a clean replacement runs
 * as the same identity, so the identity is cut too (the Workload Identity binding on GKE, the
 * revision's service account on Cloud Run), each for the approver to weigh like any action.
 */
export const flaggedCodeResponse: ResponsePlaybook = {
  gke: [...defaultResponse.gke, 'revoke-workload-identity'],
  'cloud-run': [...defaultResponse['cloud-run'], 'disable-service-account'],
};

/**
 * What a flagged binary adds where the category alone does not say the code is hostile: the
 * identity it ran with is cut, as for code a detector flagged (flaggedCodeResponse).
 */
export const identityWhenFlagged: ResponsePlaybook = {
  gke: ['revoke-workload-identity'],
  'cloud-run': ['disable-service-account'],
};

export const rebuildAdvice =
  'If the change was intended, rebuild the image with it instead of changing the running container, so containers stay immutable.';

export const technique = {
  compileAfterDelivery: { id: 'T1027.004', name: 'Obfuscated Files or Information: Compile After Delivery' },
  unixShell: { id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell' },
  ingressToolTransfer: { id: 'T1105', name: 'Ingress Tool Transfer' },
  nativeApi: { id: 'T1106', name: 'Native API' },
} as const;
