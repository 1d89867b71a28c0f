import { condition } from '@temporalio/workflow';
import { CasePatches } from './case-patches';
import { decide } from './case-decision';
import { CaseJournal } from './case-journal';
import { CaseState } from './case-state';
import { caseActivities, closeAsIntended, collectTogether, closeWithout, contain, failed, planForDecision, runbookSteps, sampledRecords, sampledSteps, writeBack, type Case } from './case-steps';
import { collectionOrder } from './collection-order';
import { investigateCaseBeforeMainFlowRecords } from './investigate-case-before-main-flow-records';
import { suppressionFor } from './suppression';
import { unresolvedProjectNote } from '../findings/subject';
import type { JournalEntry, RecordedWrite } from './journal';
import type { CaseInput, CaseSnapshot } from './shared';

/**
 * One case: the runbook for a container (or Cloud Run resource) under suspicion. Findings on the
 * same subject join it while it runs; containment waits for a human decision on an exact plan.
 * Whatever the cloud answers, the case reaches a person: every failure of a step is a recorded
 * gap, and a failure of the workflow itself is recorded and announced before it ends the run.
 */
export async function investigateCase(input: CaseInput): Promise<CaseSnapshot> {
  // Histories written before the main flow became the only writer of the record replay as they ran.
  const patches = CasePatches.atStart();
  if (!patches.has('main-flow-records')) return investigateCaseBeforeMainFlowRecords(input);
  const state = new CaseState(input, patches);
  // Decisions need the authority's signature in every case started since; before, a name sufficed.
  const signed = patches.has('signed-decisions');
  if (signed) state.requireSignatures();
  state.listen();
  const c: Case = { state, journal: new CaseJournal(state), activities: caseActivities(input.policy) };
  try {
    // The first finding arrives with the start (signal-with-start); later ones join.
    await condition(() => state.firstArrival() !== undefined);
    const first = state.firstArrival()!;
    const collection = collectionOrder(first.subject, first.eventTime, input.policy.retentionDays);
    const openedEntry: JournalEntry = { type: 'opened', workflowId: state.workflowId, runId: state.runId, subjectKey: input.subjectKey, finding: first, dryRun: input.policy.dryRun, openedAt: new Date().toISOString() };
    const collectionEntry: JournalEntry = { type: 'event', key: 'collection-order', at: new Date().toISOString(), kind: 'collection-order', detail: { sources: collection } };
    // A change the team makes on purpose closes at once, with the runbook's advice, before anything is collected.
    const suppression = suppressionFor(first, input.policy.suppressions ?? []);
    // Since `one-opening-write`, the case opens with one activity: the record, the decision keys and the collection order together.
    const folded = patches.has('one-opening-write');
    let opened: RecordedWrite | undefined;
    if (folded) opened = await c.journal.open([openedEntry], suppression ? [] : [collectionEntry], signed);
    else {
      opened = await c.journal.write([openedEntry]);
      if (signed) await c.journal.trustWorkerKeys();
    }
    // Named by number only, and intake could not learn its ID: the case goes on with the number.
    for (const note of first.intake.notes.filter((n) => n.startsWith(unresolvedProjectNote))) await c.journal.gap({ step: 'project', reason: note, errorType: 'ProjectIdUnresolved', at: new Date().toISOString() });

    if (suppression) {
      await closeAsIntended(c, suppression);
      return await finish(c);
    }

    // In a campaign, its first cases collect what repeats across its pods; the rest say they were sampled.
    // No patch marker: the opening write answers only since sampling exists, and an empty answer runs every step, as before.
    const sampling = opened?.campaignSampling;
    const sampled = sampling ? sampledRecords(c, sampling, collection) : [];

    // Steps 1-6 of the runbook, the evidence that disappears first collected first.
    state.collection = collection;
    if (folded) c.journal.carry(sampled);
    else await c.journal.write([collectionEntry, ...sampled]);
    const steps = runbookSteps(c);
    const collecting = collection.map((source) => source.step).filter((step) => !(sampling && !sampling.collects && sampledSteps.includes(step)));
    // Since `steps-read-together`, what is not volatile is read at once; before, one step after another.
    if (patches.has('steps-read-together')) await collectTogether(c, collecting, steps, collection.map((source) => source.step));
    else for (const step of collecting) await steps[step]();

    // The plan, bound to exact targets, and the human decision on it (made again before acting).
    const proposed = await planForDecision(c);
    // Since `write-back-beside-notice`, SCC hears of the case while its owner does, in one workflow task; before, first.
    const besideNotice = patches.has('write-back-beside-notice');
    if (!besideNotice) await writeBack(c, false);
    const { verdict, plan } = await decide(c, proposed, besideNotice ? () => writeBack(c, false) : undefined);

    // Step 7: the approved plan, exactly; or the case closes with nothing changed.
    if (verdict === 'approved') await contain(c, plan);
    else await closeWithout(c, verdict, plan);
    return await finish(c);
  } catch (error) {
    throw await failed(c, error);
  }
}

/** Whatever arrived while the case closed is recorded too (handlers only change state: none is left mid-way). */
async function finish(c: Case): Promise<CaseSnapshot> {
  while (c.state.hasNews()) await c.journal.write();
  return c.state.snapshot();
}
