import type { Playbook } from '../playbook';
import { gkeEvidence, cloudRunEvidence, defaultResponse, rebuildAdvice, technique, identityWhenFlagged } from './common';

export const launchCodeCompilerTool = {
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
  whenFlagged: identityWhenFlagged,
  ifIntended: rebuildAdvice,
} as const satisfies Playbook;
