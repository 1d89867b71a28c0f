import { patched } from '@temporalio/workflow';

/** The case workflow's patches up to `one-patch-marker`, oldest first: each a change that kept older histories replaying. */
export type CasePatch = 'main-flow-records' | 'signed-decisions' | 'one-opening-write' | 'steps-record-themselves' | 'steps-read-together' | 'plan-records-itself' | 'campaign-held' | 'decided-before-the-wait';

/**
 * Which of the case workflow's changes a case runs with. A case started since `one-patch-marker`
 * records that one marker and takes every patch before it as given: each of them cost it two
 * history events (the marker, and the `TemporalChangeVersion` upsert that goes with it), six of
 * them in every case. A case started before asks for each patch where it always did, so its
 * history replays as it ran. Patches after this one are asked for as usual.
 */
export class CasePatches {
  private constructor(private readonly allGiven: boolean) {}

  /** Asked first thing in the workflow, before anything else could record a command. */
  static atStart(): CasePatches {
    return new CasePatches(patched('one-patch-marker'));
  }

  has(patch: CasePatch): boolean {
    return this.allGiven || patched(patch);
  }
}
