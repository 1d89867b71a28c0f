import { createHash } from 'node:crypto';
import { parseFindingObject } from '../findings/parse';
import { loadScenario, scenarioSchema } from '../lab/scenario';
import { percentile } from './alert-storm';
import { costPlot } from './plot';
import { podName, stormScenario } from './storm-scenario';

test('a storm spreads N findings over M pods and K binaries, and every reported hash is the hash of the bytes the pod serves', () => {
  const storm = stormScenario(loadScenario(), { findings: 10, pods: 4, binaries: 3 });
  expect(scenarioSchema.safeParse(storm.scenario).success).toBe(true);
  const parsed = storm.findings.map((f) => parseFindingObject(f).finding);
  expect(new Set(parsed.map((f) => f.name)).size).toBe(10);
  expect(parsed.map((f) => (f.subject as { pod: string }).pod)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1].map(podName));
  const pods = storm.scenario.clusters.flatMap((c) => c.workloads).find((w) => w.name === 'storm-api')!.pods;
  expect(pods).toHaveLength(4);
  for (const finding of parsed) {
    const binary = finding.processes[0]!.binary!;
    const served = Buffer.from(pods[0]!.addedFiles.app![binary.path ?? '']!.base64, 'base64');
    expect(createHash('sha256').update(served).digest('hex')).toBe(binary.sha256);
    expect(storm.scenario.virustotal[binary.sha256 ?? '']).toBeDefined();
  }
  expect(new Set(parsed.map((f) => f.processes[0]!.binary!.sha256)).size).toBe(storm.distinctHashes);
});

test('percentiles are nearest-rank over the sorted sample', () => {
  const sample = Array.from({ length: 100 }, (_, i) => i + 1);
  expect([percentile(sample, 50), percentile(sample, 95), percentile(sample, 99), percentile([], 50)]).toEqual([50, 95, 99, 0]);
});

test('the plot draws one line per pipeline and escapes what it prints', () => {
  const svg = costPlot([{ name: 'case <real>', color: '#c00', points: [{ n: 100, value: 4 }, { n: 1000, value: 2 }] }], 'cost & N', 'ms');
  expect(svg).toContain('<polyline');
  expect(svg).toContain('case &lt;real&gt;');
  expect(svg).toContain('cost &amp; N');
});
