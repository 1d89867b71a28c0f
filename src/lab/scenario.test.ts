import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFindingObject } from '../findings/parse';
import { loadScenario } from './scenario';

const scenario = loadScenario();
const findings = scenario.findings.map((entry) => parseFindingObject(entry).finding);

test('the default scenario covers each of the four categories on GKE and on Cloud Run', () => {
  const covered = new Set(findings.map((f) => `${f.playbook.id}@${f.subject.runtime}`));
  for (const playbook of ['launch-code-compiler-tool', 'malicious-script-executed', 'added-binary-executed', 'netcat-remote-code-execution']) {
    expect(covered).toContain(`${playbook}@gke`);
    expect(covered).toContain(`${playbook}@cloud-run`);
  }
  expect(findings.every((f) => !f.playbook.generic)).toBe(true);
});

test('every GKE finding names a pod, container and node the scenario has', () => {
  const cluster = scenario.clusters[0]!;
  const pods = new Map(cluster.workloads.flatMap((w) => w.pods.map((p) => [`${w.namespace}/${p.name}`, { workload: w, pod: p }] as const)));
  for (const finding of findings) {
    if (finding.subject.runtime !== 'gke') continue;
    const found = pods.get(`${finding.subject.namespace}/${finding.subject.pod}`);
    expect(found).toBeDefined();
    expect(found!.workload.containers.map((c) => c.name)).toContain(finding.subject.container);
    expect(cluster.nodes.map((n) => n.name)).toContain(finding.subject.node);
  }
});

test('each hash a GKE finding reports is the hash of the bytes the lab serves at that path', () => {
  const cluster = scenario.clusters[0]!;
  let checked = 0;
  for (const finding of findings) {
    if (finding.subject.runtime !== 'gke') continue;
    const { workload, pod } = cluster.workloads.flatMap((w) => w.pods.map((p) => ({ workload: w, pod: p }))).find(({ pod: p }) => p.name === (finding.subject as { pod: string }).pod)!;
    const container = workload.containers.find((c) => c.name === (finding.subject as { container: string }).container)!;
    const files = { ...container.imageFiles, ...(pod.addedFiles[container.name] ?? {}) };
    for (const process of finding.processes) {
      for (const file of [process.binary, process.script]) {
        if (!file?.sha256 || !file.path) continue;
        const bytes = Buffer.from(files[file.path]!.base64, 'base64');
        const hashed = file.partiallyHashed ? bytes.subarray(0, file.hashedSize) : bytes;
        expect([file.path, createHash('sha256').update(hashed).digest('hex')]).toEqual([file.path, file.sha256]);
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThanOrEqual(4);
});

test('a malformed scenario is refused with the path of the problem', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'scc-scenario-')), 'bad.json');
  writeFileSync(path, JSON.stringify({ ...scenario, clusters: [{ ...scenario.clusters[0], nodes: [{ name: 'n', zone: 'z', instanceId: 'abc' }] }] }));
  expect(() => loadScenario(path)).toThrow(/invalid scenario .*bad\.json at clusters\.0\.nodes\.0\.instanceId/);
  expect(() => loadScenario('/nonexistent.json')).toThrow(/cannot read scenario/);
});
