import type { Client } from '@temporalio/client';
import type { CaseStore } from '../cases/case-store';
import type { ParsedFinding } from '../findings/model';
import { unresolvedProjectNote } from '../findings/subject';
import { CloudError } from '../cloud/errors';
import { permissionFor } from '../deploy/operation-permissions';
import { outOfScope, type Scope } from './scope';
import { investigateCase } from '../workflows/investigate-case';
import { searchAttributes } from '../workflows/search-attributes';
import { caseIdFor, findingSignal, subjectKeyOf, workflowIdFor, type Policy } from '../workflows/shared';

export interface CaseIngested {
  caseId: string;
  workflowId: string;
  runId: string;
  /** The finding had already reached a case (joined, or signalled to it): nothing was started or signalled. */
  duplicate: boolean;
  outOfScope?: undefined;
}

/** The finding was kept, and started nothing: the scope excludes it. */
export interface OutOfScope {
  outOfScope: string;
  duplicate: false;
  caseId?: undefined;
}

export type IngestResult = CaseIngested | OutOfScope;

/**
 * Starts the case for a finding's subject, or joins the one running (signal-with-start): the
 * workflow ID is the subject, the finding name the idempotency key. The raw text is kept first,
 * and the run signalled is kept after, so a finding is signalled once however often it comes.
 */
export interface IngestDeps {
  client: Client;
  store: CaseStore;
  taskQueue: string;
  policy: Policy;
  /** Workflow ID prefix: one per deployment sharing a namespace. */
  workflowIdPrefix?: string;
  /** Which findings start a case at all; everything when absent. */
  scope?: Scope;
  /** A project's ID from its number (Cloud Resource Manager), for findings that name their project by number only. */
  resolveProjectId?: (projectNumber: string) => Promise<string>;
}

export async function ingestFinding(deps: IngestDeps, received: ParsedFinding): Promise<IngestResult> {
  const parsed = await withProjectId(received, deps.resolveProjectId);
  const { finding } = parsed;
  await deps.store.recordIntake(parsed);
  const excluded = outOfScope(finding, deps.scope);
  if (excluded) {
    await deps.store.setIntakeDisposition(finding.name, `out of scope: ${excluded}`);
    return { outOfScope: excluded, duplicate: false };
  }
  // A redelivery signals nothing: each signal would grow the case's history for a finding it has.
  const known = await deps.store.runForFinding(finding.name);
  if (known) return { caseId: known.caseId ?? caseIdFor(known.runId), workflowId: known.workflowId, runId: known.runId, duplicate: true };

  const subjectKey = subjectKeyOf(finding.subject);
  const workflowId = workflowIdFor(subjectKey, deps.workflowIdPrefix);
  const { subject } = finding;
  const handle = await deps.client.workflow.signalWithStart(investigateCase, {
    workflowId,
    taskQueue: deps.taskQueue,
    args: [{ subjectKey, policy: deps.policy }],
    signal: findingSignal,
    signalArgs: [finding],
    // A closed case stays closed: a new finding on the same subject opens a new case.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: searchAttributes.category, value: finding.category },
      { key: searchAttributes.severity, value: finding.severity },
      { key: searchAttributes.project, value: subject.projectId },
      ...(subject.runtime === 'gke'
        ? [{ key: searchAttributes.cluster, value: subject.cluster }]
        : [{ key: searchAttributes.service, value: subject.service ?? subject.job ?? '' }]),
      { key: searchAttributes.caseStatus, value: 'investigating' },
      { key: searchAttributes.findingNames, value: [finding.name] },
    ],
  });
  await deps.store.setIntakeSignalled(finding.name, workflowId, handle.signaledRunId);
  return { caseId: caseIdFor(handle.signaledRunId), workflowId, runId: handle.signaledRunId, duplicate: false };
}

/**
 * A finding that names its project by number only gets its ID from Resource Manager. When that
 * fails (no permission, the API down), the case still starts, with the number and a gap that
 * says why: a valid finding is never refused for it.
 */
async function withProjectId(parsed: ParsedFinding, resolve: IngestDeps['resolveProjectId']): Promise<ParsedFinding> {
  const { finding } = parsed;
  const pending = finding.intake.notes.findIndex((note) => note.startsWith(unresolvedProjectNote));
  if (pending < 0) return parsed;
  const projectNumber = finding.subject.projectNumber ?? finding.subject.projectId;
  const notes = [...finding.intake.notes];
  if (!resolve) {
    notes[pending] = `${unresolvedProjectNote} ${projectNumber}: no Resource Manager to ask`;
    return { ...parsed, finding: { ...finding, intake: { ...finding.intake, notes } } };
  }
  try {
    const projectId = await resolve(projectNumber);
    notes[pending] = `project ID ${projectId} (project ${projectNumber}) resolved through Resource Manager`;
    return { ...parsed, finding: { ...finding, subject: { ...finding.subject, projectId, projectNumber }, intake: { ...finding.intake, notes } } };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const permission = error instanceof CloudError && (error.status === '403' || error.status === 'PERMISSION_DENIED') ? ` (needs ${permissionFor(error.context)})` : '';
    notes[pending] = `${unresolvedProjectNote} ${projectNumber}: ${reason}${permission}`;
    return { ...parsed, finding: { ...finding, intake: { ...finding.intake, notes } } };
  }
}
