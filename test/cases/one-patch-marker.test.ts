import type { temporal } from '@temporalio/proto';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';

/**
 * A case started since `one-patch-marker` (now under its successor generation, `case-patches-2`) records one patch marker, where it recorded one for
 * each change the workflow had made until then (with a search attribute upsert for each): the
 * whole case, from its findings to its containment, holds that marker alone. Older histories
 * replay through the patches they recorded (`test/replay`).
 */
let rig: CaseRig;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The patch IDs the history's markers record, in order. */
function patchMarkers(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : ['?'];
  });
}

test('a case approved and contained records one patch marker, and no other change of version', async () => {
  const handleFor = (workflowId: string, runId: string) => rig.env.client.workflow.getHandle(workflowId, runId);
  const run = await rig.ingest(rig.finding('Netcat Remote Code Execution In Container', 'cloud-run'));
  const ready = await rig.waitForStatus(run.workflowId, run.runId, 'awaiting-decision');
  await rig.decide(handleFor(run.workflowId, run.runId), { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
  const done = (await handleFor(run.workflowId, run.runId).result()) as { status: string };
  expect(done.status).toBe('contained');
  const events = (await handleFor(run.workflowId, run.runId).fetchHistory()).events ?? [];
  expect(patchMarkers(events)).toEqual(['case-patches-2']);
  // The SDK records each patch in `TemporalChangeVersion` too: one upsert of it, for the one marker.
  const versionUpserts = events.filter((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).includes('TemporalChangeVersion'));
  expect(versionUpserts).toHaveLength(1);
});
