import type { Playbook } from '../playbook';
import { gkeEvidence, cloudRunEvidence, handsOnKeyboardResponse, rebuildAdvice, technique } from './common';

export const netcatRemoteCodeExecution = {
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
} as const satisfies Playbook;
