import type { Playbook } from '../playbook';
import { gkeEvidence, cloudRunEvidence, defaultResponse, rebuildAdvice, technique, identityWhenFlagged } from './common';

export const addedBinaryExecuted = {
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
  whenFlagged: identityWhenFlagged,
  ifIntended: rebuildAdvice,
} as const satisfies Playbook;
