import type { Playbook } from './playbook';
import { genericContainerThreat } from './playbooks/generic-container-threat';
import { launchCodeCompilerTool } from './playbooks/launch-code-compiler-tool';
import { maliciousScriptExecuted } from './playbooks/malicious-script-executed';
import { addedBinaryExecuted } from './playbooks/added-binary-executed';
import { netcatRemoteCodeExecution } from './playbooks/netcat-remote-code-execution';

export type { EvidenceKind, MitreTechnique, Playbook, ResponsePlaybook, ResponseStep } from './playbook';

/** The category playbooks, one file each under playbooks/: adding a category is adding its file to this list. */
const categoryPlaybooks = [launchCodeCompilerTool, maliciousScriptExecuted, addedBinaryExecuted, netcatRemoteCodeExecution] as const;

/** Every playbook ID, read from the playbooks themselves: the types, the catalog and the configuration use it. */
export const playbookIds: readonly [PlaybookId, ...PlaybookId[]] = [categoryPlaybooks[0].id, ...categoryPlaybooks.slice(1).map((p): PlaybookId => p.id), genericContainerThreat.id];
export type PlaybookId = (typeof categoryPlaybooks)[number]['id'] | typeof genericContainerThreat.id;

export const playbooks: readonly Playbook<PlaybookId>[] = categoryPlaybooks;
export const genericPlaybook: Playbook<PlaybookId> = genericContainerThreat;

const tacticPrefix = /^(execution|defense evasion)\s*:\s*/i;

function categoryKey(category: string): string {
  return category.trim().replace(/\s+/g, ' ').replace(tacticPrefix, '').toLowerCase();
}

const byKey = new Map(playbooks.flatMap((playbook) => playbook.emittedAs.map((name) => [categoryKey(name), playbook] as const)));

/** The playbook for a category as emitted; the generic one, marked as such, for anything else. */
export function playbookFor(category: string): Playbook<PlaybookId> {
  return byKey.get(categoryKey(category)) ?? genericPlaybook;
}
