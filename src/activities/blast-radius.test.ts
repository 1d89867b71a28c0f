import { startActionLab } from '../../test/lab-harness';
import { stormScenario } from '../bench/storm-scenario';
import { parseFindingObject } from '../findings/parse';
import { loadScenario } from '../lab/scenario';
import { blastRadius } from './blast-radius';

/** A Deployment of many replicas: the approver learns how many, and the plan stays small. */
test('the blast radius names a sample of the sibling pods and counts them all, whatever the replica count', async () => {
  const storm = stormScenario(loadScenario(), { findings: 1, pods: 250, binaries: 1 });
  const { clients, stop } = await startActionLab({ scenario: storm.scenario });
  try {
    const radius = await blastRadius(clients, parseFindingObject(storm.findings[0]!).finding.subject);
    expect(radius.owners).toEqual([expect.objectContaining({ kind: 'ReplicaSet', replicas: 250 }), expect.objectContaining({ kind: 'Deployment', replicas: 250 })]);
    expect(radius.siblingPods).toHaveLength(20);
    expect(radius.siblingPods).not.toContain('storm-api-5f6b7c8d9-p0');
    expect(radius.siblingPodCount).toBe(249);
    expect(radius.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^249 other pod\(s\) run the same template and image: storm-api-5f6b7c8d9-p1, .*, …$/)]));
    // It goes into the workflow's history and the plan hash: a few kilobytes, not one name per replica.
    expect(JSON.stringify(radius).length).toBeLessThan(3_000);
  } finally {
    await stop();
  }
});
