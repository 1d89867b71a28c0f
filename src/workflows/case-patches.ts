import { patched } from '@temporalio/workflow';

/** The case workflow's patches, oldest first: each a change that kept older histories replaying. */
const casePatches = [
  'main-flow-records',
  'signed-decisions',
  'one-opening-write',
  'steps-record-themselves',
  'steps-read-together',
  'plan-records-itself',
  'campaign-held',
  'decided-before-the-wait',
  'write-back-beside-notice',
  'search-attributes-when-changed',
  'campaign-acted-replans',
] as const;

export type CasePatch = (typeof casePatches)[number];

/**
 * Markers that each stand for every patch up to the one they name: a case records the newest
 * one when it starts and takes those patches as given. Asking for each patch cost a case two
 * history events (the marker, and the `TemporalChangeVersion` upsert that goes with it), six of
 * them in every case before `one-patch-marker`. Newest first.
 */
const generations: readonly { marker: string; through: CasePatch }[] = [
  { marker: 'case-patches-2', through: 'search-attributes-when-changed' },
  { marker: 'one-patch-marker', through: 'decided-before-the-wait' },
];

/**
 * Which of the case workflow's changes a case runs with. A new case records the newest
 * generation's marker alone. A case started before asks for the marker it recorded, and for
 * each patch after it where the patch applies, as it always did, so its history replays as it
 * ran. (A marker a history does not hold is no command: asking for it in replay changes nothing.)
 */
export class CasePatches {
  private constructor(private readonly given: ReadonlySet<CasePatch>) {}

  /** Asked first thing in the workflow, before anything else could record a command. */
  static atStart(): CasePatches {
    for (const { marker, through } of generations) if (patched(marker)) return new CasePatches(new Set(casePatches.slice(0, casePatches.indexOf(through) + 1)));
    return new CasePatches(new Set());
  }

  has(patch: CasePatch): boolean {
    return this.given.has(patch) || patched(patch);
  }
}
