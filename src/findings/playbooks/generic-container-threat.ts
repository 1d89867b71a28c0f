import type { Playbook } from '../playbook';
import { gkeEvidence, cloudRunEvidence, rebuildAdvice, identityWhenFlagged } from './common';

/** The fallback for a category none of the others knows: the common container runbook. */
export const genericContainerThreat = {
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
  whenFlagged: identityWhenFlagged,
  ifIntended: rebuildAdvice,
} as const satisfies Playbook;
