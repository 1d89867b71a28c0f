import type { Playbook } from '../playbook';
import { gkeEvidence, cloudRunEvidence, flaggedCodeResponse, rebuildAdvice, technique } from './common';

export const maliciousScriptExecuted = {
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
  defaultResponse: flaggedCodeResponse,
  ifIntended: rebuildAdvice,
} as const satisfies Playbook;
